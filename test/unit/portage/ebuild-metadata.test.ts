// IUSE, KEYWORDS and SLOT from a metadata/md5-cache entry (flat_hash.py) or an ebuild's assignments,
// and the profile files the modifier checks read.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseEbuildAssignments, parseMd5CacheEntry } from "../../../src/portage/ebuild-metadata.js";
import { archOfProfile, parseMaskFile, parseProfilesDesc } from "../../../src/portage/profile-files.js";

test("an md5-cache entry: KEY=value split at the first '=', IUSE defaults dropped, SLOT/sub-slot, complete", () => {
  const parsed = parseMd5CacheEntry([
    "DEFINED_PHASES=compile install", "EAPI=8", "IUSE=+x264 -x265 doc python_targets_python3_12", "KEYWORDS=amd64 ~arm64 -sparc",
    "REQUIRED_USE=|| ( a=b )", "SLOT=0/58", "_md5_=0123", "",
  ].join("\n"));
  assert.deepEqual(parsed, { ok: true, metadata: {
    slot: "0", subSlot: "58", iuse: ["x264", "x265", "doc", "python_targets_python3_12"], keywords: ["amd64", "~arm64", "-sparc"], complete: true, source: "md5-cache",
  } });
});

test("an md5-cache entry without SLOT or IUSE gets SLOT 0 and no flags", () => {
  assert.deepEqual(parseMd5CacheEntry("EAPI=8\n"), { ok: true, metadata: { slot: "0", iuse: [], keywords: [], complete: true, source: "md5-cache" } });
});

test("an md5-cache line without '=' makes the entry corrupt, as flat_hash.py's CacheCorruption", () => {
  assert.deepEqual(parseMd5CacheEntry("EAPI=8\ngarbage\n"), { ok: false, line: 2, message: "'garbage' is not a KEY=value line; Portage takes the entry as corrupt" });
});

test("an ebuild's IUSE over several lines, IUSE+=, single quotes and a bare KEYWORDS", () => {
  const metadata = parseEbuildAssignments([
    "EAPI=8", 'SLOT="2/2.1"', "KEYWORDS=amd64", 'IUSE="', "\t+ssl", '\tgtk \\"quoted\\"', '"', "IUSE+=' doc'", "src_install() {", "  default", "}",
  ].join("\n"));
  assert.deepEqual(metadata, { slot: "2", subSlot: "2.1", iuse: ["ssl", "gtk", '\\"quoted\\"', "doc"], keywords: ["amd64"], complete: true, source: "ebuild" });
});

test("an ebuild that inherits eclasses, or builds a value from variables, has IUSE that may be incomplete", () => {
  assert.equal(parseEbuildAssignments('EAPI=8\ninherit python-r1\nIUSE="doc"\n').complete, false);
  assert.equal(parseEbuildAssignments('EAPI=8\nIUSE="doc ${EXTRA}"\n').complete, false);
  assert.equal(parseEbuildAssignments('EAPI=8\nIUSE="doc"\n').complete, true);
});

test("package.mask: atoms a line, comments and '-atom' removals skipped, bad lines skipped", () => {
  const atoms = parseMaskFile("# comment\napp-misc/masked\n\n=app-misc/edge-3.0 # held back\n-app-misc/unmasked\nnot an atom\n");
  assert.deepEqual(atoms.map((atom) => atom.text), ["app-misc/masked", "=app-misc/edge-3.0"]);
});

test("ARCH of the profile make.profile points to, by profiles.desc", () => {
  const profiles = parseProfilesDesc("# arch profile status\namd64\tdefault/linux/amd64/23.0\tstable\narm64 default/linux/arm64/23.0 dev\n\n");
  assert.deepEqual(profiles, [{ arch: "amd64", profile: "default/linux/amd64/23.0", status: "stable" }, { arch: "arm64", profile: "default/linux/arm64/23.0", status: "dev" }]);
  assert.equal(archOfProfile("../../var/db/repos/gentoo/profiles/default/linux/arm64/23.0/", profiles)?.arch, "arm64");
  assert.equal(archOfProfile("../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0/systemd", profiles), undefined);
  assert.equal(archOfProfile("/somewhere/else", profiles), undefined);
});
