import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { checkEntryPath, checkEntryPlace, checkEntrySet, entryKindOf, FACTS_PATH, type ReportEntry } from "../../../src/report/report-entries.js";

const facts: ReportEntry = { kind: "file", path: FACTS_PATH, size: 10 };

function problem(result: { ok: boolean; problem?: string }): string {
  assert.equal(result.ok, false, "expected a refusal");
  return result.problem ?? "";
}

describe("checkEntryPath", () => {
  it("accepts a relative path and drops a directory's trailing slash", () => {
    assert.deepEqual(checkEntryPath("etc/portage/package.use/"), { ok: true, value: "etc/portage/package.use" });
  });
  const refused: [string, string, RegExp][] = [
    ["an absolute path", "/etc/portage/make.conf", /absolute path/],
    ["a '..' component", "etc/portage/../../root/.ssh/id_rsa", /'\.\.' component/],
    ["a '..' at the end", "etc/portage/..", /'\.\.' component/],
    ["a '.' component", "./etc/portage/make.conf", /'\.' component/],
    ["an empty component", "etc//portage", /empty or '\.' component/],
    ["an empty name", "", /empty name/],
    ["a newline", "etc/portage/a\nb", /control character/],
    ["a backslash", "etc/portage/a\\b", /backslash/],
    ["a component over 255 bytes", `etc/portage/${"a".repeat(256)}`, /longer than 255 bytes/],
    ["a path over 1024 bytes", `etc/portage/${"abcdefgh/".repeat(120)}x`, /longer than 1024 bytes/],
  ];
  for (const [what, name, message] of refused) it(`refuses ${what}`, () => assert.match(problem(checkEntryPath(name)), message));
  it("a component of exactly 255 bytes is fine", () => assert.equal(checkEntryPath(`etc/portage/${"a".repeat(255)}`).ok, true));
});

describe("entryKindOf", () => {
  it("keeps files, directories and symlinks", () => {
    assert.deepEqual([entryKindOf("0"), entryKindOf("5"), entryKindOf("2")].map((k) => k.ok && k.value), ["file", "directory", "symlink"]);
  });
  for (const [flag, name] of [["1", "hard link"], ["3", "character device"], ["4", "block device"], ["6", "FIFO"], ["g", "type 'g'"]]) {
    it(`refuses a ${name}`, () => assert.match(problem(entryKindOf(flag!)), new RegExp(name!)));
  }
});

describe("checkEntryPlace", () => {
  it("allows /etc/portage, the world files and report.json", () => {
    for (const entry of [
      { kind: "directory", path: "etc" }, { kind: "directory", path: "etc/portage" }, { kind: "file", path: "etc/portage/make.conf", size: 1 },
      { kind: "file", path: "etc/portage/sets/web", size: 1 }, { kind: "file", path: "var/lib/portage/world", size: 1 },
      { kind: "file", path: "var/lib/portage/world_sets", size: 1 }, facts, { kind: "symlink", path: "etc/portage/package.use/b", target: "a" },
      { kind: "symlink", path: "etc/portage/repos.conf/x", target: "../make.conf" },
    ] as ReportEntry[]) assert.deepEqual(checkEntryPlace(entry), { ok: true, value: entry }, entry.path);
  });
  it("refuses files elsewhere", () => {
    assert.match(problem(checkEntryPlace({ kind: "file", path: "root/.ssh/authorized_keys", size: 1 })), /not allowed there/);
    assert.match(problem(checkEntryPlace({ kind: "file", path: "var/lib/portage/config", size: 1 })), /not allowed there/);
    assert.match(problem(checkEntryPlace({ kind: "file", path: "etc/passwd", size: 1 })), /not allowed there/);
  });
  it("refuses anything under /etc/portage/gnupg", () => {
    assert.match(problem(checkEntryPlace({ kind: "file", path: "etc/portage/gnupg/private-keys-v1.d/x.key", size: 1 })), /never carries \/etc\/portage\/gnupg/);
    assert.match(problem(checkEntryPlace({ kind: "directory", path: "etc/portage/gnupg" })), /gnupg/);
  });
  it("refuses symlinks out of /etc/portage, absolute or relative", () => {
    assert.match(problem(checkEntryPlace({ kind: "symlink", path: "etc/portage/make.profile", target: "../../var/db/repos/gentoo/profiles/x" })), /points out of \/etc\/portage/);
    assert.match(problem(checkEntryPlace({ kind: "symlink", path: "etc/portage/x", target: "/etc/shadow" })), /is absolute/);
    assert.match(problem(checkEntryPlace({ kind: "symlink", path: "etc/portage/a/b", target: "../../../../../etc/shadow" })), /points out/);
    assert.match(problem(checkEntryPlace({ kind: "symlink", path: "etc/portage/x", target: ".." })), /points out/);
  });
  it("refuses a symlink outside /etc/portage even pointing in", () => {
    assert.match(problem(checkEntryPlace({ kind: "symlink", path: "var/lib/portage/world", target: "../../../etc/portage/x" })), /not allowed there/);
  });
});

describe("checkEntrySet", () => {
  const file = (path: string): ReportEntry => ({ kind: "file", path, size: 1 });
  it("accepts a set with report.json", () => assert.equal(checkEntrySet([facts, file("etc/portage/make.conf")]).ok, true));
  it("needs report.json", () => assert.match(problem(checkEntrySet([file("etc/portage/make.conf")])), /no report\.json/));
  it("refuses a path twice", () => assert.match(problem(checkEntrySet([facts, file("etc/portage/a"), file("etc/portage/a")])), /appears twice/));
  it("refuses an entry below a symlink, whatever the order", () => {
    const link: ReportEntry = { kind: "symlink", path: "etc/portage/d", target: "sub" };
    assert.match(problem(checkEntrySet([facts, file("etc/portage/d/x"), link])), /below etc\/portage\/d, which is a symlink/);
    assert.match(problem(checkEntrySet([facts, link, file("etc/portage/d/x")])), /which is a symlink/);
  });
  it("refuses an entry below a file", () => {
    assert.match(problem(checkEntrySet([facts, file("etc/portage/a"), file("etc/portage/a/b")])), /which is a file/);
  });
  it("refuses a symlink whose target walks through another symlink (lexically inside, really outside)", () => {
    // d/l -> .. is etc/portage; d/m -> l/.. is etc/portage/d lexically but etc (outside) for the kernel.
    const entries: ReportEntry[] = [facts, { kind: "directory", path: "etc/portage/d" },
      { kind: "symlink", path: "etc/portage/d/m", target: "l/.." }, { kind: "symlink", path: "etc/portage/d/l", target: ".." }];
    assert.match(problem(checkEntrySet(entries)), /goes through the symlink etc\/portage\/d\/l/);
  });
  it("allows a symlink to a symlink (each one checked on its own)", () => {
    const entries: ReportEntry[] = [facts, file("etc/portage/a"), { kind: "symlink", path: "etc/portage/b", target: "a" }, { kind: "symlink", path: "etc/portage/c", target: "b" }];
    assert.equal(checkEntrySet(entries).ok, true);
  });
  it("refuses more entries than the limit", () => {
    assert.match(problem(checkEntrySet([facts, file("etc/portage/a"), file("etc/portage/b")], { maxBytes: 1e6, maxEntries: 2, maxNameBytes: 255, maxPathBytes: 1024 })), /more than 2 entries/);
  });
});
