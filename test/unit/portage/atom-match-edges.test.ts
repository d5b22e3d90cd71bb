// The edges of match_from_list (lib/portage/dep/__init__.py), vercmp (lib/portage/versions.py) and the
// profile files (man/portage.5) that the plain examples in atom-match.test.ts do not reach.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAtom, type PackageAtom } from "../../../src/portage/atom.js";
import { atomMatches, splitCpv, type PackageVersion } from "../../../src/portage/atom-match.js";
import { archOfProfile, parseMaskFile, parseProfilesDesc } from "../../../src/portage/profile-files.js";
import { compareVersions } from "../../../src/portage/version-compare.js";

function atom(text: string): PackageAtom {
  const parsed = parseAtom(text, { allowWildcard: true });
  assert.ok(parsed.ok && parsed.atom.kind === "package", text);
  return parsed.atom;
}

const matches = (text: string, pkg: PackageVersion | string): boolean => atomMatches(atom(text), typeof pkg === "string" ? { cpv: pkg } : pkg);

test("splitCpv: a cpv without a category is no cpv", () => {
  assert.equal(splitCpv("/foo-1.0"), undefined);
  assert.deepEqual(splitCpv("a/foo-1.0"), { cp: "a/foo", version: "1.0" });
});

test("match_from_list: each operator on both sides of its bound", () => {
  assert.ok(matches(">app-misc/foo-1.0", "app-misc/foo-1.1"));
  assert.ok(!matches(">app-misc/foo-1.0", "app-misc/foo-0.9"));
  assert.ok(matches("<app-misc/foo-1.0", "app-misc/foo-0.9"));
  assert.ok(!matches("<app-misc/foo-1.0", "app-misc/foo-1.0"));
  assert.ok(!matches("<app-misc/foo-1.0", "app-misc/foo-2"));
  assert.ok(matches("<=app-misc/foo-1.0", "app-misc/foo-0.9"));
  assert.ok(!matches("<=app-misc/foo-1.0", "app-misc/foo-1.1"));
  assert.ok(!matches(">=app-misc/foo-1.0", "app-misc/foo-0.9"));
  assert.ok(!matches("=app-misc/foo-1.0", "app-misc/foo-1.1"));
  assert.ok(!matches("~app-misc/foo-1.0", "app-misc/foo-1.1"));
});

test("match_from_list: ~ ignores any revision, -r10 included", () => {
  assert.ok(matches("~app-misc/foo-1.0", "app-misc/foo-1.0-r10"));
  assert.ok(matches("~app-misc/foo-1.0-r2", "app-misc/foo-1.0-r10"));
});

test("match_from_list =*: a literal prefix ending on a version-part boundary (bug 560466)", () => {
  assert.ok(!matches("=app-misc/foo-1.2*", "app-misc/foo-1.3"));
  assert.ok(matches("=app-misc/foo-1.2*", "app-misc/foo-1.2.3"));
  assert.ok(matches("=app-misc/foo-1.2*", "app-misc/foo-1.2-r1"));
  // A digit followed by a letter is a boundary; a letter followed by a letter is not.
  assert.ok(matches("=app-misc/foo-1*", "app-misc/foo-1a"));
  assert.ok(matches("=app-misc/foo-1.0_rc*", "app-misc/foo-1.0_rc1"));
  assert.ok(!matches("=app-misc/foo-1.0_p*", "app-misc/foo-1.0_pre1"));
  assert.ok(!matches("=app-misc/foo-1.0_rc1*", "app-misc/foo-1.0_rc12"));
});

test("match_from_list =*: leading zeros are stripped from both sides, and all of them", () => {
  assert.ok(matches("=app-misc/foo-1.2*", "app-misc/foo-001.2.3"));
  assert.ok(matches("=app-misc/foo-001.2*", "app-misc/foo-1.2.3"));
  assert.ok(matches("=app-misc/foo-0*", "app-misc/foo-0.5"));
  assert.ok(matches("=app-misc/foo-0*", "app-misc/foo-000.5"));
  assert.ok(!matches("=app-misc/foo-0*", "app-misc/foo-1.0"));
  assert.ok(!matches("=app-misc/foo-01*", "app-misc/foo-10"));
});

test("match_from_list: a slot or repository the package does not state does not exclude it", () => {
  assert.ok(matches("app-misc/foo:2", "app-misc/foo-1.0"));
  assert.ok(matches("app-misc/foo::gentoo", "app-misc/foo-1.0"));
  assert.ok(matches("app-misc/foo", { cpv: "app-misc/foo-1.0", slot: "2", repo: "gentoo" }));
});

test("match_from_list: the sub-slot is the slot when the package has none", () => {
  assert.ok(matches("app-misc/foo:2/2", { cpv: "app-misc/foo-1.0", slot: "2" }));
  assert.ok(!matches("app-misc/foo:2/3", { cpv: "app-misc/foo-1.0", slot: "2" }));
  assert.ok(matches("app-misc/foo:2/3", { cpv: "app-misc/foo-1.0", slot: "2", subSlot: "3" }));
});

test("match_from_list: a build ID must equal the package's, when the package has one", () => {
  assert.ok(matches("=app-misc/foo-1.0-3", { cpv: "app-misc/foo-1.0", buildId: 3 }));
  assert.ok(!matches("=app-misc/foo-1.0-3", { cpv: "app-misc/foo-1.0", buildId: 4 }));
  assert.ok(matches("=app-misc/foo-1.0-3", { cpv: "app-misc/foo-1.0" }));
});

test("match_from_list: a wildcard atom is never matched here", () => {
  assert.ok(!matches("app-misc/*", "app-misc/foo-1.0"));
});

test("vercmp: several suffixes compare one after the other, then the revision", () => {
  assert.equal(compareVersions("1.0_rc1_p1", "1.0_rc1_p2"), -1);
  assert.equal(compareVersions("1.0_rc1_p2", "1.0_rc1_p1"), 1);
  assert.equal(compareVersions("1.0_rc1_p1", "1.0_rc1"), 1);
  assert.equal(compareVersions("1.0_rc1-r2", "1.0_rc1-r10"), -1);
});

test("vercmp: what is not a whole version compares as undefined", () => {
  for (const bad of ["x1.0", "1.0x1", "1.0-r1x", "1.0-r", "v1", "1.0_foo", "1..0"]) {
    assert.equal(compareVersions(bad, "1.0"), undefined, bad);
    assert.equal(compareVersions("1.0", bad), undefined, bad);
  }
});

test("package.mask: comments, blank and -atom lines skipped, wildcards kept, non-atoms skipped", () => {
  const atoms = parseMaskFile("# comment\n\n-app-misc/foo\napp-misc/bar # why\n  =dev-libs/baz-1.2  \nnot an atom\napp-misc/*\n");
  assert.deepEqual(atoms.map((entry) => `${entry.operator ?? ""}${entry.category}/${entry.package}${entry.version ? `-${entry.version}` : ""}`),
    ["app-misc/bar", "=dev-libs/baz-1.2", "app-misc/*"]);
  assert.equal(atoms[2]?.wildcard, true);
});

test("profiles.desc: indented lines and comments, and make.profile links with trailing slashes", () => {
  const profiles = parseProfilesDesc("# arch profile status\n  amd64\tdefault/linux/amd64/23.0\tstable # the default\narm64 default/linux/arm64/23.0 dev\nbroken line\n");
  assert.deepEqual(profiles, [
    { arch: "amd64", profile: "default/linux/amd64/23.0", status: "stable" },
    { arch: "arm64", profile: "default/linux/arm64/23.0", status: "dev" },
  ]);
  assert.equal(archOfProfile("../../var/db/repos/gentoo/profiles/default/linux/arm64/23.0//", profiles)?.arch, "arm64");
  assert.equal(archOfProfile("../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0", profiles)?.arch, "amd64");
  assert.equal(archOfProfile("/somewhere/default/linux/amd64/23.0", profiles), undefined);
});
