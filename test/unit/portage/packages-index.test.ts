import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  binpkgKey,
  diffPackagesIndex,
  parsePackagesIndex,
  renderPackagesIndex,
} from "../../../src/portage/packages-index.js";

// Compiled to build/test/unit/portage/; the fixtures stay in the source tree.
// Packages and Packages.after are laid out exactly as PackageIndex.write does.
const fixtures = new URL("../../../../test/fixtures/portage-packages-index/", import.meta.url);
const fixture = (name: string): string => readFileSync(new URL(name, fixtures), "utf8");

describe("parsePackagesIndex on an index written by Portage", () => {
  const index = parsePackagesIndex(fixture("Packages"));

  it("reads the header", () => {
    assert.equal(index.header.VERSION, "0");
    assert.equal(index.header.PACKAGES, "4");
    assert.equal(index.header.PROFILE, "default/linux/amd64/23.0");
    assert.equal(index.header.CHOST, "x86_64-pc-linux-gnu");
    assert.equal(Object.keys(index.header).length, 26);
    assert.deepEqual(index.issues, []);
  });

  it("reads every package block, two instances of one CPV included", () => {
    assert.deepEqual(
      index.packages.map((entry) => [entry.cpv, entry.buildId]),
      [
        ["app-misc/hello-1.0", 1],
        ["app-misc/hello-1.0", 2],
        ["dev-libs/libsigc++-2.12.1", 1],
        ["sys-libs/zlib-1.3.1-r1", 1],
      ],
    );
    const [first, second] = index.packages;
    assert.deepEqual(first?.use, ["amd64", "elibc_glibc", "foo", "kernel_linux"]);
    assert.deepEqual(second?.use, ["amd64", "bar", "elibc_glibc", "kernel_linux"]);
  });

  it("types the fields and applies defaults and header values", () => {
    const hello = index.packages[0];
    assert.deepEqual({ ...hello, fields: undefined }, {
      cpv: "app-misc/hello-1.0",
      buildId: 1,
      buildTime: 1718020000,
      path: "app-misc/hello/hello-1.0-1.gpkg.tar",
      size: 10240,
      use: ["amd64", "elibc_glibc", "foo", "kernel_linux"],
      slot: "0",
      eapi: "8",
      repo: "gentoo",
      chost: "x86_64-pc-linux-gnu",
      md5: "970db54ab8a93b7173cb48f55e67fd2c",
      sha1: "2035422f61642bc8e6e93c4394f7501af01e7735",
      fields: undefined,
    });
    assert.equal(hello?.fields.SLOT, undefined, "fields keep what the file says");
    assert.equal(hello?.fields.MTIME, "1718020001");
    const zlib = index.packages[3];
    assert.equal(zlib?.slot, "0");
    assert.equal(zlib?.subSlot, "1");
    assert.equal(index.packages[2]?.slot, "2");
    assert.equal(index.packages[2]?.fields.PROVIDES, "x86_64: libsigc-2.0.so.0", "only the first ':' splits");
  });

  it("renders the same text back", () => {
    assert.equal(renderPackagesIndex(index), fixture("Packages"));
    assert.equal(renderPackagesIndex(parsePackagesIndex(fixture("Packages.after"))), fixture("Packages.after"));
  });
});

describe("defaults Portage applies to omitted keys", () => {
  const text = [
    "CHOST: x86_64-pc-linux-gnu",
    "REPO: gentoo",
    "VERSION: 0",
    "",
    "CPV: app-misc/old-1.0",
    "",
    "CHOST: aarch64-unknown-linux-gnu",
    "CPV: app-misc/cross-2.0",
    "EAPI: 7",
    "REPO: local",
    "",
  ].join("\n");
  const { packages, issues } = parsePackagesIndex(text);

  it("fills SLOT, EAPI, USE, PATH and the header's CHOST and REPO", () => {
    assert.deepEqual(issues, []);
    const old = packages[0];
    assert.equal(old?.slot, "0");
    assert.equal(old?.eapi, "0");
    assert.deepEqual(old?.use, []);
    assert.equal(old?.path, "app-misc/old-1.0.tbz2", "bintree.py: no PATH means <cpv>.tbz2");
    assert.equal(old?.repo, "gentoo");
    assert.equal(old?.chost, "x86_64-pc-linux-gnu");
    assert.equal(old?.buildId, undefined);
    assert.equal(old?.size, undefined);
  });

  it("lets a block's own values win over the header's", () => {
    assert.equal(packages[1]?.repo, "local");
    assert.equal(packages[1]?.chost, "aarch64-unknown-linux-gnu");
    assert.equal(packages[1]?.eapi, "7");
  });

  it("leaves out, when rendering, values equal to defaults or to the header", () => {
    const rendered = renderPackagesIndex({
      header: { VERSION: "0", CHOST: "x86_64-pc-linux-gnu", EMPTY: "" },
      packages: [
        { fields: { CPV: "b/b-1", SLOT: "0", EAPI: "0", CHOST: "x86_64-pc-linux-gnu", USE: "", FOO: "bar" } },
        { fields: { CPV: "a/a-1", SLOT: "1", CHOST: "armv7a-unknown-linux-gnueabihf", REPO: "gentoo", MTIME: "5" } },
      ],
    });
    assert.equal(
      rendered,
      [
        "CHOST: x86_64-pc-linux-gnu",
        "VERSION: 0",
        "",
        "CHOST: armv7a-unknown-linux-gnueabihf",
        "CPV: a/a-1",
        "SLOT: 1",
        "MTIME: 5",
        "REPO: gentoo",
        "",
        "CPV: b/b-1",
        "FOO: bar",
        "",
        "",
      ].join("\n"),
    );
  });
});

describe("parsePackagesIndex on a hand-edited index", () => {
  const text =
    "VERSION: 0\r\nTIMESTAMP: 1718022600  \r\n\r\n" +
    "CPV: app-misc/a-1\r\nBUILD_ID: x\r\nX_CUSTOM: kept\r\nthis line is broken\r\nUSE: foo  bar \r\nUSE: baz\r\n\r\n" +
    "BUILD_ID: 4\r\nSIZE: 1\r\n\r\n" +
    "CPV: app-misc/b-2\r\nSLOT:3\r\n   \r\nCPV: app-misc/c-3\r\n\r\n\r\n" +
    "CPV: app-misc/hidden-1\r\nSIZE: 1";
  const index = parsePackagesIndex(text);

  it("strips CRLF and trailing whitespace and keeps unknown keys", () => {
    assert.equal(index.header.TIMESTAMP, "1718022600");
    assert.equal(index.packages[0]?.fields.X_CUSTOM, "kept");
    assert.deepEqual(index.packages[0]?.use, ["baz"]);
  });

  it("reports each problem with its line instead of throwing", () => {
    assert.deepEqual(
      index.issues.map((issue) => issue.line),
      [5, 7, 9, 11, 15, 16, 17, 19],
    );
    const byLine = (line: number): string[] =>
      index.issues.filter((issue) => issue.line === line).map((issue) => issue.message);
    assert.match(byLine(7).join(), /not a 'KEY: value' line/);
    assert.match(byLine(9).join(), /USE appears twice/);
    assert.match(byLine(11).join(), /no CPV/);
    assert.match(byLine(15).join(), /no space after 'SLOT:'/);
    assert.match(byLine(16).join(), /only whitespace/);
    assert.match(byLine(17).join(), /CPV appears twice/);
    assert.match(byLine(19).join(), /lines from 20 on are ignored/);
    assert.match(byLine(5).join(), /BUILD_ID 'x' is not a whole number/);
  });

  it("merges blocks where Portage does and stops where Portage stops", () => {
    assert.deepEqual(
      index.packages.map((entry) => entry.cpv),
      ["app-misc/a-1", "app-misc/c-3"],
    );
    assert.equal(index.packages[1]?.slot, "3", "SLOT from the line before the whitespace-only line");
  });

  it("reads a file without a trailing newline", () => {
    const { packages, issues } = parsePackagesIndex("VERSION: 0\n\nCPV: a/b-1\nSIZE: 12");
    assert.deepEqual(issues, []);
    assert.equal(packages[0]?.size, 12);
  });

  it("reads an empty file as an empty index", () => {
    assert.deepEqual(parsePackagesIndex(""), { header: {}, packages: [], issues: [] });
  });

  it("keeps a __proto__ key as data", () => {
    const { header } = parsePackagesIndex("__proto__: x\nVERSION: 0\n");
    assert.equal(Object.getPrototypeOf(header), Object.prototype);
    assert.equal(header["__proto__"], "x");
  });
});

describe("diffPackagesIndex", () => {
  const before = parsePackagesIndex(fixture("Packages"));
  const after = parsePackagesIndex(fixture("Packages.after"));

  it("returns the builds that appeared, a new instance of an old CPV included", () => {
    assert.deepEqual(
      diffPackagesIndex(before, after).map((entry) => [entry.cpv, entry.buildId, entry.path]),
      [
        ["app-misc/dep-2.0", 1, "app-misc/dep/dep-2.0-1.gpkg.tar"],
        ["app-misc/hello-1.0", 3, "app-misc/hello/hello-1.0-3.gpkg.tar"],
      ],
    );
  });

  it("returns nothing for the same index and everything against an empty one", () => {
    assert.deepEqual(diffPackagesIndex(after, after), []);
    assert.equal(diffPackagesIndex({ packages: [] }, after).length, 6);
    assert.deepEqual(diffPackagesIndex(after, before), []);
  });

  it("tells instances apart by CPV, BUILD_ID and PATH", () => {
    const base = { cpv: "a/b-1", buildId: 1, path: "a/b/b-1-1.gpkg.tar" };
    assert.notEqual(binpkgKey(base), binpkgKey({ ...base, buildId: 2 }));
    assert.notEqual(binpkgKey(base), binpkgKey({ ...base, path: "a/b-1.tbz2" }));
    assert.notEqual(binpkgKey(base), binpkgKey({ ...base, cpv: "a/b-1-r1" }));
    assert.equal(binpkgKey(base), binpkgKey({ ...base }));
  });
});
