// The ZIP records a repository archive is made of (src/releases/zip-records.ts): field by field where a
// reader depends on them, ZIP64 where ::gentoo's entry count needs it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32, renderCentralHeader, renderEndRecords, renderLocalHeader, type ZipEntry } from "../../../src/releases/zip-records.js";

const ENTRY: ZipEntry = { name: "profiles/repo_name", method: 8, crc32: 0x12345678, compressedSize: 9, size: 7 };

test("crc32 is the ISO 3309 CRC zip uses (the standard check value of '123456789')", () => {
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
});

test("a local header carries the method, CRC, sizes and UTF-8 name of its entry", () => {
  const header = renderLocalHeader(ENTRY);
  assert.equal(header.readUInt32LE(0), 0x04034b50);
  assert.equal(header.readUInt16LE(6) & 0x0800, 0x0800, "names are UTF-8");
  assert.deepEqual([header.readUInt16LE(8), header.readUInt32LE(14), header.readUInt32LE(18), header.readUInt32LE(22)], [8, 0x12345678, 9, 7]);
  assert.equal(header.readUInt16LE(26), ENTRY.name.length);
  assert.equal(header.subarray(30).toString("utf8"), ENTRY.name);
  assert.equal(header.length, 30 + ENTRY.name.length, "no extra field");
});

test("a central header points at its local header; a directory is marked as one; an offset past 4 GiB moves to a ZIP64 extra field", () => {
  const file = renderCentralHeader(ENTRY, 1234);
  assert.equal(file.readUInt32LE(0), 0x02014b50);
  assert.equal(file.readUInt32LE(42), 1234);
  assert.equal(file.readUInt32LE(38) >>> 16, 0o100644);
  assert.equal(file.subarray(46).toString("utf8"), ENTRY.name);
  const dir = renderCentralHeader({ ...ENTRY, name: "profiles/", method: 0 }, 0);
  assert.equal(dir.readUInt32LE(38) >>> 16, 0o40755);
  assert.equal(dir.readUInt32LE(38) & 0x10, 0x10, "the MS-DOS directory bit");
  const far = renderCentralHeader(ENTRY, 2 ** 32 + 5);
  assert.equal(far.readUInt32LE(42), 0xffffffff);
  assert.equal(far.readUInt16LE(30), 12);
  const extra = far.subarray(46 + ENTRY.name.length);
  assert.deepEqual([extra.readUInt16LE(0), extra.readUInt16LE(2), extra.readBigUInt64LE(4)], [1, 8, 2n ** 32n + 5n]);
});

test("up to 65,534 entries the end record alone counts them", () => {
  const end = renderEndRecords(3, 100, 50);
  assert.equal(end.length, 22);
  assert.equal(end.readUInt32LE(0), 0x06054b50);
  assert.deepEqual([end.readUInt16LE(8), end.readUInt16LE(10), end.readUInt32LE(12), end.readUInt32LE(16)], [3, 3, 50, 100]);
});

test("from 65,535 entries (::gentoo has more) the ZIP64 end record and locator precede a saturated end record", () => {
  const records = renderEndRecords(200_000, 5_000_000, 9_000_000);
  assert.equal(records.length, 56 + 20 + 22);
  const zip64 = records.subarray(0, 56);
  assert.equal(zip64.readUInt32LE(0), 0x06064b50);
  assert.equal(zip64.readBigUInt64LE(4), 44n, "the size of the rest of the record");
  assert.deepEqual([zip64.readBigUInt64LE(24), zip64.readBigUInt64LE(32), zip64.readBigUInt64LE(40), zip64.readBigUInt64LE(48)], [200_000n, 200_000n, 9_000_000n, 5_000_000n]);
  const locator = records.subarray(56, 76);
  assert.equal(locator.readUInt32LE(0), 0x07064b50);
  assert.equal(locator.readBigUInt64LE(8), 14_000_000n, "the ZIP64 end record follows the central directory");
  assert.equal(locator.readUInt32LE(16), 1, "one disk");
  const end = records.subarray(76);
  assert.deepEqual([end.readUInt32LE(0), end.readUInt16LE(8), end.readUInt16LE(10)], [0x06054b50, 0xffff, 0xffff]);
  assert.equal(renderEndRecords(65_535, 0, 0).length, 98, "65,535 itself is the ZIP64 marker, so it needs the ZIP64 record");
});
