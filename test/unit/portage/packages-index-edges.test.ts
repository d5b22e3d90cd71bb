import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { parsePackagesIndex, renderPackagesIndex, toBinpkgEntry } from "../../../src/portage/packages-index.js";

// Line and block rules of `PackageIndex._readpkgindex/readHeader/readBody` in
// lib/portage/getbinpkg.py: an empty line ends a block, a line is split at its
// first ':', a line without ':' is skipped, one character after ':' is dropped.
// In a package block only known keys are kept (`_pkgindex_allowed_pkg_keys` in
// lib/portage/dbapi/bintree.py), so a key with stray characters is lost.
describe("parsePackagesIndex line and block edges", () => {
  it("reads an index that starts with an empty line as an empty header", () => {
    const index = parsePackagesIndex("\nCPV: a/b-1\nSIZE: 3\n\n");
    assert.deepEqual(index.header, {});
    assert.deepEqual(
      index.packages.map((entry) => [entry.cpv, entry.size]),
      [["a/b-1", 3]],
    );
    assert.deepEqual(index.issues, []);
  });

  it("finds nothing wrong with extra empty lines at the end", () => {
    const index = parsePackagesIndex("VERSION: 0\n\nCPV: a/b-1\n\n\n\n");
    assert.deepEqual(index.issues, []);
    assert.equal(index.packages.length, 1);
  });

  const broken: [line: string, message: string][] = [
    ["NOCOLON", "'NOCOLON' is not a 'KEY: value' line; Portage skips it"],
    [" SIZE: 5", "' SIZE: 5' is not a 'KEY: value' line; Portage skips it"],
    ["SIZE : 5", "'SIZE : 5' is not a 'KEY: value' line; Portage skips it"],
    ["x ", "'x ' is not a 'KEY: value' line; Portage skips it"],
    [" x", "' x' is not a 'KEY: value' line; Portage skips it"],
    [" \t", "this line holds only whitespace; Portage does not end a block there, so it is skipped"],
  ];
  for (const [line, message] of broken) {
    it(`skips ${JSON.stringify(line)} in a package block`, () => {
      const index = parsePackagesIndex(`VERSION: 0\n\nCPV: a/b-1\n${line}\n`);
      assert.deepEqual(index.issues, [{ line: 4, message }]);
      assert.deepEqual(index.packages[0]?.fields, { CPV: "a/b-1" });
    });
  }

  it("takes 'KEY:' with nothing after it as an empty value", () => {
    const index = parsePackagesIndex("VERSION: 0\n\nCPV: a/b-1\nUSE:\n\n");
    assert.deepEqual(index.issues, []);
    assert.deepEqual(index.packages[0]?.use, []);
    assert.equal(index.packages[0]?.fields.USE, "");
  });

  it("reports numbers with other characters around the digits", () => {
    const index = parsePackagesIndex("VERSION: 0\n\nCPV: a/b-1\nBUILD_ID: 1a\nSIZE: a1\nBUILD_TIME: 1 2\n\n");
    assert.deepEqual(index.issues, [
      { line: 4, message: "BUILD_ID '1a' is not a whole number" },
      { line: 5, message: "SIZE 'a1' is not a whole number" },
      { line: 6, message: "BUILD_TIME '1 2' is not a whole number" },
    ]);
    const entry = index.packages[0];
    assert.deepEqual([entry?.buildId, entry?.size, entry?.buildTime], [undefined, undefined, undefined]);
  });
});

describe("toBinpkgEntry", () => {
  it("leaves out repo, chost and checksums that neither the block nor the header has", () => {
    const fields = { CPV: "a/b-1", USE: "x" };
    assert.deepEqual(toBinpkgEntry(fields, { VERSION: "0", REPO: "" }), {
      cpv: "a/b-1",
      path: "a/b-1.tbz2",
      use: ["x"],
      slot: "0",
      eapi: "0",
      fields,
    });
  });

  it("reports a bad number under its key", () => {
    const reported: [string, string][] = [];
    toBinpkgEntry({ CPV: "a/b-1", SIZE: "-1" }, {}, (message, key) => reported.push([message, key]));
    assert.deepEqual(reported, [["SIZE '-1' is not a whole number", "SIZE"]]);
  });
});

// `PackageIndex.write`: keys sorted by Portage's own names (DESC is
// DESCRIPTION), packages by CPV with Python's stable sort (`_cmp_cpv`).
describe("renderPackagesIndex order", () => {
  it("sorts a block's keys by Portage's names for them", () => {
    const text = renderPackagesIndex({
      header: {},
      packages: [{ fields: { USE: "x", EAPI: "8", DESC: "d", DEFINED_PHASES: "compile", CPV: "a/b-1", BUILD_ID: "1" } }],
    });
    assert.equal(
      text,
      "\nBUILD_ID: 1\nCPV: a/b-1\nDEFINED_PHASES: compile\nDESC: d\nEAPI: 8\nUSE: x\n\n",
    );
  });

  it("sorts many packages by CPV and keeps instances of one CPV in the given order", () => {
    const names = Array.from({ length: 60 }, (_, i) => `cat/p${String(i).padStart(2, "0")}-1`);
    const packages = [...names].reverse().flatMap((cpv) => [
      { fields: { CPV: cpv, BUILD_ID: "2" } },
      { fields: { CPV: cpv, BUILD_ID: "1" } },
    ]);
    const blocks = renderPackagesIndex({ header: { VERSION: "0" }, packages }).split("\n\n").slice(1, -1);
    const expected = names.flatMap((cpv) => [`BUILD_ID: 2\nCPV: ${cpv}`, `BUILD_ID: 1\nCPV: ${cpv}`]);
    assert.deepEqual(blocks, expected);
  });
});
