// Versions ordered and atoms matched as Portage's vercmp and match_from_list do.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAtom, type PackageAtom } from "../../../src/portage/atom.js";
import { atomMatches, splitCpv } from "../../../src/portage/atom-match.js";
import { compareVersions } from "../../../src/portage/version-compare.js";

function atom(text: string): PackageAtom {
  const parsed = parseAtom(text);
  assert.ok(parsed.ok && parsed.atom.kind === "package", text);
  return parsed.atom;
}

test("versions in Portage's order (the examples of vercmp and its tests)", () => {
  const ascending = ["1.0_alpha", "1.0_beta2", "1.0_pre", "1.0_rc1", "1.0", "1.0-r1", "1.0_p1", "1.0.0", "1.01", "1.02", "1.1", "1.1a", "1.2", "1.10", "12.2b", "12.2.5", "20261124"];
  for (let i = 0; i + 1 < ascending.length; i++) {
    const [low, high] = [ascending[i] ?? "", ascending[i + 1] ?? ""];
    assert.equal(compareVersions(low, high), -1, `${low} < ${high}`);
    assert.equal(compareVersions(high, low), 1, `${high} > ${low}`);
  }
  assert.equal(compareVersions("1.0-r0", "1.0"), 0);
  assert.equal(compareVersions("1.0", "x"), undefined);
});

test("splitCpv finds the version where Portage does", () => {
  assert.deepEqual(splitCpv("dev-lang/python-exec-2.4.10-r1"), { cp: "dev-lang/python-exec", version: "2.4.10-r1" });
  assert.equal(splitCpv("app-misc/noversion"), undefined);
});

test("operators, globs on part boundaries, revisions, slots and repositories", () => {
  const pkg = (cpv: string, extra: object = {}) => ({ cpv, slot: "0", ...extra });
  assert.ok(atomMatches(atom("app-misc/foo"), pkg("app-misc/foo-1.0")));
  assert.ok(!atomMatches(atom("app-misc/foo"), pkg("app-misc/foobar-1.0")));
  assert.ok(atomMatches(atom("=app-misc/foo-1.0"), pkg("app-misc/foo-1.0-r0")));
  assert.ok(!atomMatches(atom("=app-misc/foo-1.0"), pkg("app-misc/foo-1.0-r1")));
  assert.ok(atomMatches(atom("~app-misc/foo-1.0"), pkg("app-misc/foo-1.0-r3")));
  assert.ok(atomMatches(atom(">=app-misc/foo-1.0"), pkg("app-misc/foo-1.0")));
  assert.ok(!atomMatches(atom(">app-misc/foo-1.0"), pkg("app-misc/foo-1.0")));
  assert.ok(atomMatches(atom("<app-misc/foo-1.0"), pkg("app-misc/foo-1.0_rc1")));
  assert.ok(atomMatches(atom("<=app-misc/foo-1.0"), pkg("app-misc/foo-1.0")));
  assert.ok(atomMatches(atom("=app-misc/foo-1*"), pkg("app-misc/foo-1.5")));
  assert.ok(!atomMatches(atom("=app-misc/foo-1*"), pkg("app-misc/foo-10")));
  assert.ok(atomMatches(atom("=app-misc/foo-1.2*"), pkg("app-misc/foo-1.2_rc1")));
  assert.ok(atomMatches(atom("app-misc/foo:2"), pkg("app-misc/foo-1.0", { slot: "2" })));
  assert.ok(!atomMatches(atom("app-misc/foo:2"), pkg("app-misc/foo-1.0")));
  assert.ok(!atomMatches(atom("app-misc/foo:2/3"), pkg("app-misc/foo-1.0", { slot: "2", subSlot: "4" })));
  assert.ok(atomMatches(atom("app-misc/foo::gentoo"), pkg("app-misc/foo-1.0", { repo: "gentoo" })));
  assert.ok(!atomMatches(atom("app-misc/foo::gentoo"), pkg("app-misc/foo-1.0", { repo: "local" })));
});
