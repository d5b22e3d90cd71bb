// The `servers:` section (src/config/servers.ts): both forms, paths relative to the file, and every
// problem with its position, key path and fix.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/config.js";
import { formatIssue } from "../../../src/config/issues.js";
import { reportingServers } from "../../../src/report/reporting-servers.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function load(servers: string): Config {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${HEAD}servers:\n${servers}` }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result.config;
}

function problems(servers: string): string[] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${HEAD}servers:\n${servers}` }));
  assert.equal(result.ok, false, "the config is rejected");
  return result.ok ? [] : result.issues.map(formatIssue);
}

test("a server of copies: paths relative to the config file, sets and ignore kept", () => {
  const config = load("  - name: web1\n    etc_portage: servers/web1/portage\n    world: /srv/web1/world\n    sets: [sets/extra]\n    ignore: ['dev-lang/rust', 'sys-kernel/*']\n");
  assert.deepEqual(config.servers, [{
    name: "web1", report: false, etcPortage: "/c/servers/web1/portage", world: "/srv/web1/world",
    sets: ["/c/sets/extra"],
    ignore: ["dev-lang/rust", "sys-kernel/*"],
  }]);
});

test("a reporting server: report: true with its token file", () => {
  const config = load("  - {name: db1, report: true, token_file: tokens/db1}\n");
  assert.deepEqual(config.servers, [{ name: "db1", report: true, tokenFile: "/c/tokens/db1", sets: [], ignore: [] }]);
});

test("no servers key: an empty list", () => {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": HEAD }));
  assert.ok(result.ok);
  assert.deepEqual(result.ok && result.config.servers, []);
});

test("a second server of one name is an error at its name, naming the first", () => {
  assert.deepEqual(problems("  - {name: web1, report: true, token_file: t}\n  - {name: web1, report: true, token_file: u}\n"), [
    "/c/binpkgbot.yml:7:12: servers[1].name: server 'web1' is already declared at servers[0] (give each server its own name, or remove the duplicate)",
  ]);
});

test("a name that is no safe file name is an error at the name", () => {
  assert.deepEqual(problems("  - {name: '../web1', report: true, token_file: t}\n"), [
    "/c/binpkgbot.yml:6:12: servers[0].name: server name '../web1' may hold only letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit) (rename the server)",
  ]);
});

test("neither form, both forms, half a form, a token without report", () => {
  assert.deepEqual(problems("  - name: web1\n"), [
    "/c/binpkgbot.yml:6:5: servers[0]: a server needs etc_portage and world, or report: true (e.g. {name: web1, etc_portage: servers/web1/portage, world: servers/web1/world})",
  ]);
  assert.deepEqual(problems("  - {name: web1, world: w, report: true, token_file: t}\n"), [
    "/c/binpkgbot.yml:6:36: servers[0].report: a server has either etc_portage and world (copies kept by the admin) or report: true (it sends them), not both (remove report, or etc_portage and world)",
  ]);
  assert.deepEqual(problems("  - {name: web1, etc_portage: e}\n"), [
    "/c/binpkgbot.yml:6:5: servers[0]: missing required key 'world' (give the copy of the server's /etc/portage and of its /var/lib/portage/world)",
  ]);
  assert.deepEqual(problems("  - {name: web1, report: true}\n"), [
    "/c/binpkgbot.yml:6:5: servers[0]: a server with report: true needs 'token_file' (add token_file: a file holding the token the server presents)",
  ]);
  assert.deepEqual(problems("  - {name: web1, etc_portage: e, world: w, token_file: t}\n"), [
    "/c/binpkgbot.yml:6:56: servers[0].token_file: token_file is only for a server with report: true (add report: true, or remove token_file)",
  ]);
});

test("report: false is refused rather than read as 'not reporting'", () => {
  assert.deepEqual(problems("  - {name: web1, report: false, token_file: t}\n"), [
    "/c/binpkgbot.yml:6:26: servers[0].report: false means nothing here (remove the key instead)",
  ]);
});

test("a bad ignore atom is reported at its bad character", () => {
  assert.deepEqual(problems("  - name: web1\n    etc_portage: e\n    world: w\n    ignore: ['dev-lang/rust', 'dev-lang/ru st']\n"), [
    "/c/binpkgbot.yml:9:43: servers[0].ignore[1]: bad atom 'dev-lang/ru st': a space is not allowed in an atom ('dev-lang/ru st') (write a package atom such as app-misc/foo or >=dev-lang/rust-1.80)",
  ]);
});

test("the host's root as a server's copy, two set files of one name", () => {
  assert.deepEqual(problems("  - name: web1\n    etc_portage: /\n    world: w\n    sets: [a/extra, b/extra]\n"), [
    "/c/binpkgbot.yml:7:18: servers[0].etc_portage: '/' is the host's root, not a copy of the server's files (give the copy's own path)",
    "/c/binpkgbot.yml:9:21: servers[0].sets[1]: a second set file named 'extra' (the first is sets[0]): both would be @extra (rename one of the files)",
  ]);
});

test("an unknown key names the likely one", () => {
  assert.deepEqual(problems("  - name: web1\n    etc_portage: e\n    wrld: w\n"), [
    "/c/binpkgbot.yml:8:5: servers[0].wrld: unknown key 'wrld' (did you mean 'world'?)",
  ]);
});

test("one bad server does not hide another's problems", () => {
  const found = problems("  - {name: a, report: true}\n  - {name: b, etc_portage: e, world: w, ignore: ['x']}\n");
  assert.equal(found.length, 2, found.join("\n"));
  assert.match(found[0] ?? "", /servers\[0\]: a server with report: true needs 'token_file'/);
  assert.match(found[1] ?? "", /servers\[1\]\.ignore\[0\]: bad atom 'x'/);
});

test("the report endpoint finds the reporting servers of a loaded config (src/report/reporting-servers.ts), and only those", () => {
  const config = load("  - {name: db1, report: true, token_file: tokens/db1}\n  - {name: web1, etc_portage: e, world: w}\n");
  assert.deepEqual(reportingServers(config), [{ name: "db1", tokenFile: "/c/tokens/db1" }]);
});
