// emerge --pretend output read back (src/portage/pretend-output.ts), on fixtures shaped as Portage prints
// them: lib/_emerge/resolver/output.py (merge list), output_helpers.py (flags) and lib/_emerge/depgraph.py
// (_show_ignored_binaries_respect_use, _show_unsatisfied_dep, show_masked_packages).
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parseMergeLine, parsePretendOutput, parseUseGroups } from "../../../src/portage/pretend-output.js";
import { repoRoot } from "../../support/fixtures.js";

const dir = path.join(repoRoot, "test", "fixtures", "pretend-output");

function golden(name: string): void {
  const parsed = parsePretendOutput(readFileSync(path.join(dir, `${name}.txt`), "utf8"));
  const expectedFile = path.join(dir, "expected", `${name}.json`);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(expectedFile, `${JSON.stringify(parsed, null, 2)}\n`);
  assert.deepEqual(parsed, JSON.parse(readFileSync(expectedFile, "utf8")));
}

test("output.py merge list with --usepkg, and depgraph.py's ignored-binaries block (golden)", () => golden("usepkg"));
test("depgraph.py _show_unsatisfied_dep with --usepkgonly: no binary packages to satisfy (golden)", () => golden("usepkgonly"));
test("depgraph.py show_masked_packages: every candidate, its reasons and the dependency chain (golden)", () => golden("masked"));

test("output.py _append_build_id: a binary's trailing -N is its BUILD_ID, an ebuild's is part of the version", () => {
  assert.deepEqual(
    [parseMergeLine("[binary   R    ] sys-libs/zlib-1.3.1-r1-1 "), parseMergeLine("[ebuild  N     ] app-misc/two-2 ")]
      .map((entry) => [entry?.cpv, entry?.buildId]),
    [["sys-libs/zlib-1.3.1-r1", 1], ["app-misc/two-2", undefined]],
  );
  assert.equal(parseMergeLine("[binary  N     ] app-misc/one-1 ")?.buildId, undefined, "a binpkg without multi-instance has no id: the 1 is the version");
});

test("output_helpers.py _create_use_string: markers go, forced flags count, removed flags are dropped, USE_EXPAND is prefixed", () => {
  assert.deepEqual(parseUseGroups(' USE="a* (b) -c% -d* (-e) (-f%) (-g%*)" VIDEO_CARDS="radeon -intel" '), [
    "a", "b", "video_cards_radeon", "-c", "-d", "-e", "-video_cards_intel",
  ]);
});

test("colours (output.py colorize) are ignored", () => {
  const coloured = "\u001b[32;01m[\u001b[0mbinary  \u001b[32;01mN\u001b[0m     ] \u001b[32;01mapp-misc/foo-1.0-2\u001b[0m \n";
  assert.deepEqual(parsePretendOutput(coloured).binaries.map((entry) => entry.cpv), ["app-misc/foo-1.0"]);
});

test("an ignored binary's flags: the binpkg's state, and the config's wanted state the other way", () => {
  const parsed = parsePretendOutput("\n!!! The following binary packages have been ignored due to non matching USE:\n\n    =app-misc/foo-1.0 -bar baz\n    =app-misc/root-1.0 x # for /mnt/\n\nNOTE: …\n");
  assert.deepEqual(parsed.ignored, [
    { cpv: "app-misc/foo-1.0", available: ["-bar", "baz"], wanted: ["bar", "-baz"] },
    { cpv: "app-misc/root-1.0", available: ["x"], wanted: ["-x"] },
  ]);
});
