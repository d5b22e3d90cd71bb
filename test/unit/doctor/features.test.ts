import assert from "node:assert/strict";
import { test } from "node:test";
import { isRemoteUri, parseBinrepos } from "../../../src/doctor/binrepos.js";
import { optionsRequestGetbinpkg, parseMakeConfFeatures, resolveFeature } from "../../../src/doctor/features.js";

const file = (path: string, text: string) => ({ path, text });
const M = "binpkg-multi-instance";

test("FEATURES: the default stands when make.conf does not mention the flag", () => {
  assert.deepEqual(resolveFeature([file("/m", 'CFLAGS="-O2"\nFEATURES="sandbox"\n')], M, true), { on: true, decidedBy: null });
  assert.deepEqual(resolveFeature([], "getbinpkg", false), { on: false, decidedBy: null });
});

test("FEATURES: -flag and -* disable, a later flag enables again", () => {
  assert.deepEqual(resolveFeature([file("/m", `FEATURES="-${M}"\n`)], M, true), { on: false, decidedBy: "/m" });
  assert.deepEqual(resolveFeature([file("/m", 'FEATURES="-* buildpkg"\n')], M, true), { on: false, decidedBy: "/m" });
  assert.deepEqual(resolveFeature([file("/m", `FEATURES="-* ${M}"\n`)], M, true), { on: true, decidedBy: "/m" });
});

test("FEATURES: a later assignment replaces an earlier one unless it expands ${FEATURES}", () => {
  const replaced = [file("/a", `FEATURES="-${M}"\n`), file("/b", 'FEATURES="buildpkg"\n')];
  assert.deepEqual(resolveFeature(replaced, M, true), { on: true, decidedBy: null });
  const kept = [file("/a", `FEATURES="-${M}"\n`), file("/b", 'FEATURES="${FEATURES} buildpkg"\n')];
  assert.deepEqual(resolveFeature(kept, M, true), { on: false, decidedBy: "/a" });
  assert.deepEqual(parseMakeConfFeatures(kept).map((token) => token.value), [`-${M}`, "buildpkg"]);
});

test("FEATURES: comments, export, single quotes, unquoted values and multi-line values", () => {
  assert.deepEqual(resolveFeature([file("/m", `# FEATURES="-${M}"\nCFLAGS="-O2" # FEATURES=-${M}\n`)], M, true).on, true);
  assert.equal(resolveFeature([file("/m", `export FEATURES='-${M}'\n`)], M, true).on, false);
  assert.equal(resolveFeature([file("/m", `FEATURES=-${M} # off\n`)], M, true).on, false);
  assert.equal(resolveFeature([file("/m", `FEATURES="buildpkg\n  -${M}\n  sandbox"\n`)], M, true).on, false);
  assert.equal(resolveFeature([file("/m", "FEATURES=\"$FEATURES getbinpkg\"\n")], "getbinpkg", false).on, true);
});

test("emerge options that fetch remote binpkgs", () => {
  assert.equal(optionsRequestGetbinpkg(["--verbose", "--jobs=2"]), false);
  for (const options of [["--getbinpkg"], ["--getbinpkgonly"], ["-g"], ["-uDNg"], ["-G"], ["--getbinpkg=y"], ["--getbinpkg", "y"]]) {
    assert.equal(optionsRequestGetbinpkg(options), true, options.join(" "));
  }
  assert.equal(optionsRequestGetbinpkg(["--getbinpkg=n"]), false);
  assert.equal(optionsRequestGetbinpkg(["-g", "--getbinpkg", "n"]), false);
});

test("binrepos.conf: sections with their sync-uri, a later file's section wins", () => {
  const repos = parseBinrepos([
    file("/b/gentoobinhost.conf", "# set by catalyst\n[gentoobinhost]\npriority = 1\nsync-uri = https://distfiles.gentoo.org/releases/amd64/binpackages/23.0/x86-64\n"),
    file("/b/local.conf", "[DEFAULT]\nsync-uri = https://ignored\n[mine]\nsync-uri=file:///srv/binpkgs\n"),
    file("/b/zz.conf", "[gentoobinhost]\nsync-uri = https://mirror.example/binpackages\n"),
  ]);
  assert.deepEqual(repos, [
    { file: "/b/zz.conf", section: "gentoobinhost", syncUri: "https://mirror.example/binpackages" },
    { file: "/b/local.conf", section: "mine", syncUri: "file:///srv/binpkgs" },
  ]);
  assert.equal(isRemoteUri("https://distfiles.gentoo.org/x"), true);
  assert.equal(isRemoteUri("ssh://build@host/x"), true);
  assert.equal(isRemoteUri("file:///srv/binpkgs"), false);
  assert.equal(isRemoteUri("/srv/binpkgs"), false);
});
