// What loadConfig says about paths, binds, the signing key and emerge options: each problem at its key
// path and position, with its fix, and the values that are right loading as written.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Config } from "../../../src/config/config.js";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { MAX_LISTED_ISSUES } from "../../../src/config/limits.js";
import { memoryFiles } from "../../support/memory-files.js";

const ROOT = "/c/binpkgbot.yml";
const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";
const COLON_HINT = "(use a path without ':' (a symlink to it works))";

function load(text: string): Config {
  const result = loadConfig(ROOT, memoryFiles({ [ROOT]: text }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result.config;
}

function problems(text: string): string[] {
  const result = loadConfig(ROOT, memoryFiles({ [ROOT]: text }));
  if (result.ok) assert.fail("the config must be rejected");
  return result.issues.map(formatIssue);
}

test("a ':' in each host path is an error at that key, at the ':'", () => {
  const keys = ["stage", "etc_portage", "portage_repo", "pkgdir", "distdir", "state_dir"];
  const text = keys.map((key) => `${key}: /a:b\n`).join("");
  assert.deepEqual(problems(text), keys.map((key, i) =>
    `${ROOT}:${i + 1}:${key.length + 5}: ${key}: path '/a:b' contains ':', which a bind mount cannot take ${COLON_HINT}`));
});

test("a ':' in a container location is an error at that key", () => {
  assert.deepEqual(problems(`${HEAD}pkgdir_location: /x:y\ndistdir_location: /d:e\n`), [
    `${ROOT}:5:20: pkgdir_location: path '/x:y' contains ':', which a bind mount cannot take ${COLON_HINT}`,
    `${ROOT}:6:21: distdir_location: path '/d:e' contains ':', which a bind mount cannot take ${COLON_HINT}`,
  ]);
});

test("a relative container location is an error at that key", () => {
  assert.deepEqual(problems(`${HEAD}pkgdir_location: var/cache\ndistdir_location: d\n`), [
    `${ROOT}:5:18: pkgdir_location: 'var/cache' must be an absolute path inside the container`,
    `${ROOT}:6:19: distdir_location: 'd' must be an absolute path inside the container`,
  ]);
});

test("a ':' in the signing GnuPG home is an error at the signing key", () => {
  const lines = problems(`${HEAD}signing:\n  key: ${"A".repeat(40)}\n  gnupg_home: /g:h\n`);
  assert.deepEqual(lines, [`${ROOT}:6:3: signing: path '/g:h' contains ':', which a bind mount cannot take ${COLON_HINT}`]);
});

test("signing keys: 16, 40 or 64 hex digits, with or without 0x, upper-cased", () => {
  for (const key of ["0123456789abcdef", "0x0123456789abcdef", "0X0123456789ABCDEF", "a".repeat(40), "b".repeat(64)]) {
    const config = load(`${HEAD}signing:\n  key: "${key}"\n  gnupg_home: /g\n`);
    assert.equal(config.signing?.key, key.replace(/^0x/i, "").toUpperCase(), key);
    assert.equal(config.signing?.gnupgHome, "/g");
  }
});

test("signing keys of another length, with other characters or a 0x inside are refused with the fix", () => {
  const bad = ["ABC", "A".repeat(15), "A".repeat(17), "A".repeat(41), "A".repeat(63), "X0123456789ABCDEF", "0123456789ABCDEFX", "A0xBCDEF0123456789", "G".repeat(16)];
  for (const key of bad) {
    assert.deepEqual(problems(`${HEAD}signing:\n  key: ${key}\n  gnupg_home: /g\n`), [
      `${ROOT}:6:8: signing.key: '${key}' is not a key fingerprint or long key id (use the 40 hex digits gpg --list-secret-keys --with-colons prints on the fpr line)`,
    ], key);
  }
});

test("a ':' in a bind's host path is an error at its ro, rw or from key", () => {
  assert.deepEqual(problems(`${HEAD}binds:\n  - {ro: /a:b}\n  - {rw: /c:d}\n  - {from: /e:f, to: /g}\n`), [
    `${ROOT}:6:12: binds[0].ro: path '/a:b' contains ':', which a bind mount cannot take ${COLON_HINT}`,
    `${ROOT}:7:12: binds[1].rw: path '/c:d' contains ':', which a bind mount cannot take ${COLON_HINT}`,
    `${ROOT}:8:14: binds[2].from: path '/e:f' contains ':', which a bind mount cannot take ${COLON_HINT}`,
  ]);
});

test("a bind's 'to' must be absolute, and is reported at 'to'", () => {
  assert.deepEqual(problems(`${HEAD}binds:\n  - {from: /e, to: inside}\n`), [
    `${ROOT}:6:20: binds[0].to: 'inside' must be an absolute path inside the container`,
  ]);
});

test("a bind written as a relative path is an error: it has no place inside the container", () => {
  assert.deepEqual(problems(`${HEAD}binds:\n  - sub/\n  - x\n`), [
    `${ROOT}:6:5: binds[0]: 'sub/' must be an absolute path inside the container`,
    `${ROOT}:7:5: binds[1]: 'x' must be an absolute path inside the container`,
  ]);
});

test("only rw and from with writable: true make a bind writable", () => {
  const config = load(`${HEAD}binds:\n  - {ro: /a}\n  - {rw: /b}\n  - {from: /c, to: /d}\n  - {from: /e, to: /f, writable: true}\n  - /g\n`);
  assert.deepEqual(config.binds, [
    { from: "/a", to: "/a", writable: false },
    { from: "/b", to: "/b", writable: true },
    { from: "/c", to: "/d", writable: false },
    { from: "/e", to: "/f", writable: true },
    { from: "/g", to: "/g", writable: false },
  ]);
});

test("without pkgdir, neither a read-only bind to the PKGDIR nor a writable bind elsewhere stands in for it", () => {
  const head = "stage: /s\netc_portage: /e\nportage_repo: /r\n";
  const missing = `${ROOT}:1:1: (top level): no PKGDIR: binpkgs built in a throw-away container would be lost (add 'pkgdir: /var/cache/binpkgs' (a host directory), or a writable bind to /var/cache/binpkgs)`;
  assert.deepEqual(problems(`${head}binds:\n  - {from: /p, to: /var/cache/binpkgs}\n`), [missing]);
  assert.deepEqual(problems(`${head}binds:\n  - {rw: /var/tmp/x}\n`), [missing]);
  const config = load(`${head}binds:\n  - {rw: /var/tmp/x}\n  - {from: /p, to: /var/cache/binpkgs, writable: true}\n`);
  assert.equal(config.pkgdir, "/p");
  assert.deepEqual(config.binds, [{ from: "/var/tmp/x", to: "/var/tmp/x", writable: true }]);
});

test("emerge options of every usual form load as written", () => {
  const options = ["-uDN", "-j4", "--jobs", "2", "--jobs=2", "--exclude=sys-devel/gcc", "--load-average=3.5", "sys-apps/portage"];
  assert.deepEqual(load(`${HEAD}emerge_options: ${JSON.stringify(options)}\n`).emergeOptions, options);
});

test("an emerge option with no shell character in it is still refused, at its first character", () => {
  assert.deepEqual(problems(`${HEAD}emerge_options:\n  - "!x"\n  - --jobs 2\n`), [
    `${ROOT}:6:6: emerge_options[0]: '!x' is not an emerge option (emerge options look like -v or --jobs=2)`,
    `${ROOT}:7:11: emerge_options[1]: '--jobs 2' is not an emerge option (write one option per list entry, e.g. ['--jobs', '2'] or ['--jobs=2'])`,
  ]);
});

test("exactly the limit of problems is listed in full; one more is counted", () => {
  const bad = (count: number): string => `${HEAD}emerge_options:\n${"  - a;b\n".repeat(count)}`;
  const atLimit = problems(bad(MAX_LISTED_ISSUES));
  assert.equal(atLimit.length, MAX_LISTED_ISSUES);
  assert.ok(atLimit.every((line) => line.includes("is not an emerge option")), atLimit.at(-1));
  const over = problems(bad(MAX_LISTED_ISSUES + 1));
  assert.equal(over.length, MAX_LISTED_ISSUES + 1);
  assert.equal(over.at(-1), `${ROOT}:1:1: (top level): and 1 more problems, not listed (only the first ${MAX_LISTED_ISSUES} are) (fix these first)`);
});
