import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { checkReceivedBytes, findSameUpload, nextBuildId, parseUploadEntry, placedEntry, renderMergedIndex } from "../../../src/fleet/transfer/upload-entry.js";
import { renderEntryText } from "../../../src/fleet/transfer/stage-sync.js";
import { parsePackagesIndex } from "../../../src/portage/packages-index.js";

const PATH = "app-misc/hello/hello-1.0-1.gpkg.tar";
const MD5 = "0123456789abcdef0123456789abcdef";
const SHA1 = "0123456789abcdef0123456789abcdef01234567";
const fields = { BUILD_ID: "1", CPV: "app-misc/hello-1.0", EAPI: "8", MD5, PATH, SHA1, SIZE: "10240", USE: "amd64 foo" };
const existing = `ARCH: amd64\nCHOST: x86_64-pc-linux-gnu\nPACKAGES: 1\nTIMESTAMP: 1700000000\nVERSION: 0\n\nBUILD_ID: 3\nCPV: app-misc/other-2.0\nMD5: ${MD5}\nPATH: app-misc/other/other-2.0-3.gpkg.tar\nSIZE: 5\n\n`;

describe("parseUploadEntry", () => {
  it("accepts one block whose PATH, BUILD_ID, SIZE and hashes fit the upload", () => {
    const result = parseUploadEntry(renderEntryText(fields), PATH);
    assert.deepEqual(result, { ok: true, fields });
  });
  it("refuses an entry that is not the file's, or cannot be checked", () => {
    const refuse = (text: string, path = PATH) => { const result = parseUploadEntry(text, path); return result.ok ? "accepted" : result.message; };
    assert.match(refuse(renderEntryText(fields), "app-misc/hello/hello-1.0-2.gpkg.tar"), /says PATH 'app-misc\/hello\/hello-1\.0-1\.gpkg\.tar', but the upload is for app-misc\/hello\/hello-1\.0-2/);
    assert.match(refuse(renderEntryText({ ...fields, SIZE: "" })), /has no SIZE/);
    assert.match(refuse(renderEntryText({ ...fields, MD5: "", SHA1: "" })), /has no hash \(MD5, SHA1, SHA256, SHA512, BLAKE2B\)/);
    assert.match(refuse(renderEntryText({ ...fields, BUILD_ID: "2" })), /BUILD_ID '2', the file name 1/);
    assert.match(refuse(`${renderEntryText(fields)}\n${renderEntryText(fields)}`), /carries 2 Packages entries/);
    assert.match(refuse(`CPV app-misc/hello-1.0\n${renderEntryText(fields)}`), /line 1: 'CPV app-misc\/hello-1\.0' is not a 'KEY: value' line/);
  });
});

describe("checkReceivedBytes", () => {
  const digests = { MD5, SHA1, SHA256: "x", SHA512: "y", BLAKE2B: "z" };
  it("passes bytes whose size and listed hashes match", () => {
    assert.equal(checkReceivedBytes(fields, 10240, digests), null);
    assert.equal(checkReceivedBytes({ ...fields, MD5: MD5.toUpperCase() }, 10240, digests), null);
  });
  it("names the first difference: size, then each hash", () => {
    assert.match(checkReceivedBytes(fields, 4096, digests) ?? "", /received 4096 bytes, the entry's SIZE is 10240: the upload was cut off/);
    assert.match(checkReceivedBytes(fields, 10240, { ...digests, SHA1: "f".repeat(40) }) ?? "", /SHA1 is f{40}, the entry says 0123/);
    assert.match(checkReceivedBytes({ ...fields, SHA256: "a" }, 10240, digests) ?? "", /SHA256 is x, the entry says a/);
  });
});

describe("nextBuildId and placedEntry", () => {
  it("starts after the highest BUILD_ID of the package in the directory and the index", () => {
    const index = parsePackagesIndex(existing.replace("app-misc/other-2.0", "app-misc/hello-1.0").replace("other/other-2.0-3", "hello/hello-1.0-3"));
    assert.equal(nextBuildId(PATH, "app-misc/hello-1.0", ["hello-1.0-1.gpkg.tar", "hello-1.0-5.xpak", "hello-1.0-r1-9.gpkg.tar", ".hello-1.0-7.gpkg.tar.tmp"], parsePackagesIndex("")), 6);
    assert.equal(nextBuildId(PATH, "app-misc/hello-1.0", ["hello-1.0-1.gpkg.tar"], index), 4);
  });
  it("writes the final PATH, its BUILD_ID and the file's MTIME into the entry", () => {
    assert.deepEqual(placedEntry(fields, "app-misc/hello/hello-1.0-4.gpkg.tar", 1764633600),
      { ...fields, PATH: "app-misc/hello/hello-1.0-4.gpkg.tar", BUILD_ID: "4", MTIME: "1764633600" });
  });
});

describe("renderMergedIndex", () => {
  const now = new Date("2026-12-02T08:00:00Z");
  it("adds the entry, keeps the header and sets PACKAGES and TIMESTAMP (bintree.py inject, PackageIndex.write)", () => {
    const merged = parsePackagesIndex(renderMergedIndex(parsePackagesIndex(existing), { ...fields, CHOST: "x86_64-pc-linux-gnu" }, now));
    assert.deepEqual(merged.issues, []);
    assert.deepEqual(merged.header, { ARCH: "amd64", CHOST: "x86_64-pc-linux-gnu", PACKAGES: "2", TIMESTAMP: String(Date.parse("2026-12-02T08:00:00Z") / 1000), VERSION: "0" });
    assert.deepEqual(merged.packages.map((entry) => entry.path), ["app-misc/hello/hello-1.0-1.gpkg.tar", "app-misc/other/other-2.0-3.gpkg.tar"]);
    assert.equal(merged.packages[0]?.fields.CHOST, undefined, "a value equal to the header's is left to it");
  });
  it("replaces an entry with the same PATH (bintree.py _inject_file) and starts an index where there was none", () => {
    const once = parsePackagesIndex(renderMergedIndex(parsePackagesIndex(""), fields, now));
    assert.equal(once.header.VERSION, "0");
    const twice = parsePackagesIndex(renderMergedIndex(once, { ...fields, SIZE: "99" }, now));
    assert.deepEqual(twice.packages.map((entry) => [entry.path, entry.size]), [[PATH, 99]]);
    assert.equal(twice.header.PACKAGES, "1");
  });
});

describe("findSameUpload", () => {
  it("finds an entry of the same package with the same size and hashes, and nothing else", () => {
    const index = parsePackagesIndex(renderMergedIndex(parsePackagesIndex(""), { ...fields, PATH: "app-misc/hello/hello-1.0-2.gpkg.tar", BUILD_ID: "2" }, new Date(0)));
    assert.equal(findSameUpload(index, fields), "app-misc/hello/hello-1.0-2.gpkg.tar");
    assert.equal(findSameUpload(index, { ...fields, MD5: MD5.toUpperCase() }), "app-misc/hello/hello-1.0-2.gpkg.tar");
    assert.equal(findSameUpload(index, { ...fields, SHA1: "f".repeat(40) }), null);
    assert.equal(findSameUpload(index, { ...fields, SIZE: "1" }), null);
    assert.equal(findSameUpload(index, { ...fields, CPV: "app-misc/hello-1.1" }), null);
  });
});
