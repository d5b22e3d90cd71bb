// "did you mean ...?": the closest known name by edit distance, offered only when it is a likely typo.
import assert from "node:assert/strict";
import { test } from "node:test";
import { suggest } from "../../../src/config/issues.js";

test("a name one or two edits away is suggested; the first of equally close names wins", () => {
  assert.equal(suggest("etc_portag", ["stage", "etc_portage"]), "etc_portage");
  assert.equal(suggest("stxxe", ["stage"]), "stage");
  assert.equal(suggest("pkgdi", ["pkgdir", "pkgdix"]), "pkgdir");
  assert.equal(suggest("pkgdi", ["pkgdix", "pkgdir"]), "pkgdix");
});

test("the last character of the written name counts", () => {
  assert.equal(suggest("stagexyz", ["stage"]), undefined);
  assert.equal(suggest("stagexy", ["stage"]), "stage");
  assert.equal(suggest("abcd", ["abce"]), "abce");
  assert.equal(suggest("xyzab", ["ab"]), undefined);
  assert.equal(suggest("ab", ["abcdef"]), undefined, "the last characters of the known name count");
  assert.equal(suggest("st", ["status_listen"]), undefined);
});

test("longer names allow a third of their length in edits, short names two; no wild guesses", () => {
  assert.equal(suggest("portagexrepo", ["portage_repo_location"]), undefined);
  assert.equal(suggest("emergeoptons", ["emerge_options"]), "emerge_options", "2 edits in 12 characters");
  assert.equal(suggest("abcdefghijkl", ["abcdefghwxyz"]), "abcdefghwxyz", "4 edits in 12 characters");
  assert.equal(suggest("abcdefghijkl", ["abcdefgvwxyz"]), undefined, "5 edits in 12 characters");
  assert.equal(suggest("abcdef", ["uvwxyz"]), undefined);
  assert.equal(suggest("schedul", ["status_listen", "schedule"]), "schedule");
});
