// Pure: the records of a ZIP archive (PKWARE APPNOTE.TXT 6.3.x: 4.3.7 local file header, 4.3.12
// central directory header, 4.3.14-4.3.16 ZIP64 end records, 4.5.3 ZIP64 extra field), as Python's
// zipfile module reads them: that is what Portage's `sync-type = zipfile` unpacks with
// (lib/portage/sync/modules/zipfile/zipfile.py). ::gentoo holds more than 65,535 entries, so the end
// records switch to ZIP64 past that count; an entry's offset past 4 GiB goes into a ZIP64 extra field.

/** Deflate (8) when it makes the data smaller, else stored (0). */
export type ZipMethod = 0 | 8;

export interface ZipEntry {
  /** `/`-separated, relative; a directory's name ends in `/`. */
  name: string;
  method: ZipMethod;
  crc32: number;
  compressedSize: number;
  size: number;
}

const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const END_SIGNATURE = 0x06054b50;
const ZIP64_END_SIGNATURE = 0x06064b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
/** Version 4.5: ZIP64 (APPNOTE 4.4.3.2); made by UNIX (3), so the external attributes are a mode. */
const VERSION_NEEDED = 45;
const VERSION_MADE_BY = (3 << 8) | 45;
/** Bit 11: names are UTF-8 (APPNOTE 4.4.4). */
const FLAG_UTF8 = 0x0800;
/**
 * 1980-01-01 00:00, the earliest DOS time: the same tree gives the same bytes. Portage neither keeps
 * times nor modes when it unpacks (zipfile.py writes each file anew), so nothing is lost.
 */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const MAX_16 = 0xffff;
const MAX_32 = 0xffffffff;

/** The largest file an entry here can hold: ZIP64 sizes are not written, and no ebuild comes near. */
export const MAX_ZIP_ENTRY_BYTES = MAX_32 - 1;

export function renderLocalHeader(entry: ZipEntry): Buffer {
  const name = Buffer.from(entry.name, "utf8");
  const header = Buffer.alloc(30);
  header.writeUInt32LE(LOCAL_SIGNATURE, 0);
  header.writeUInt16LE(VERSION_NEEDED, 4);
  writeEntryFields(header, 6, entry);
  header.writeUInt16LE(name.length, 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, name]);
}

/** From the flags to the uncompressed size, both headers hold the same fields in the same order. */
function writeEntryFields(header: Buffer, at: number, entry: ZipEntry): void {
  header.writeUInt16LE(FLAG_UTF8, at);
  header.writeUInt16LE(entry.method, at + 2);
  header.writeUInt16LE(DOS_TIME, at + 4);
  header.writeUInt16LE(DOS_DATE, at + 6);
  header.writeUInt32LE(entry.crc32, at + 8);
  header.writeUInt32LE(entry.compressedSize, at + 12);
  header.writeUInt32LE(entry.size, at + 16);
}

export function renderCentralHeader(entry: ZipEntry, offset: number): Buffer {
  const name = Buffer.from(entry.name, "utf8");
  const directory = entry.name.endsWith("/");
  const extra = offset >= MAX_32 ? zip64OffsetExtra(offset) : Buffer.alloc(0);
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_SIGNATURE, 0);
  header.writeUInt16LE(VERSION_MADE_BY, 4);
  header.writeUInt16LE(VERSION_NEEDED, 6);
  writeEntryFields(header, 8, entry);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  // Comment length, disk number start, internal attributes: 0.
  // External attributes: the UNIX mode in the high half; MS-DOS directory bit 0x10 for directories.
  header.writeUInt32LE(directory ? ((0o40755 << 16) | 0x10) >>> 0 : (0o100644 << 16) >>> 0, 38);
  header.writeUInt32LE(Math.min(offset, MAX_32), 42);
  return Buffer.concat([header, name, extra]);
}

/** APPNOTE 4.5.3: only the fields whose header value is 0xFFFFFFFF follow, here the offset alone. */
function zip64OffsetExtra(offset: number): Buffer {
  const extra = Buffer.alloc(12);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8, 2);
  extra.writeBigUInt64LE(BigInt(offset), 4);
  return extra;
}

/**
 * The records after the central directory: the ZIP64 end record and its locator when a count or an
 * offset does not fit the classic end record, then the classic one (its fields saturated).
 */
export function renderEndRecords(entries: number, directoryOffset: number, directorySize: number): Buffer {
  const zip64 = entries >= MAX_16 || directoryOffset >= MAX_32 || directorySize >= MAX_32;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_SIGNATURE, 0);
  end.writeUInt16LE(Math.min(entries, MAX_16), 8);
  end.writeUInt16LE(Math.min(entries, MAX_16), 10);
  end.writeUInt32LE(Math.min(directorySize, MAX_32), 12);
  end.writeUInt32LE(Math.min(directoryOffset, MAX_32), 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(ZIP64_END_SIGNATURE, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(VERSION_MADE_BY, 12);
  record.writeUInt16LE(VERSION_NEEDED, 14);
  record.writeBigUInt64LE(BigInt(entries), 24);
  record.writeBigUInt64LE(BigInt(entries), 32);
  record.writeBigUInt64LE(BigInt(directorySize), 40);
  record.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (ISO 3309, as zip and gzip use); zlib.crc32 only exists from Node 20.15. */
export function crc32(data: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
