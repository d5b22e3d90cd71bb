// Pure: one 512-byte tar header block, as POSIX ustar, GNU tar and pax write it. Enough to list
// the members of a GPKG container without extracting it; gpkg.py writes the container as USTAR,
// or as GNU for names of 154 bytes and more or images over 8 GB (_get_tar_format_from_stats).
// Layout: POSIX.1-2017 pax "ustar Interchange Format"; GNU extensions: the GNU tar manual,
// "Basic Tar Format" (long names in 'L' members, base-256 sizes).

export const TAR_BLOCK = 512;

export type TarHeader = {
  /** The name as the header writes it (prefix/name for ustar); a long-name or pax record may replace it. */
  name: string;
  size: number;
  /** The typeflag character: '0' or '\0' a file, '5' a directory, 'L' a GNU long name, 'x'/'g' pax records… */
  type: string;
};

/** A header block that is not a tar header: a damaged or non-tar file. */
export class TarFormatError extends Error {
  override readonly name = "TarFormatError";
}

/** Parses a header block; null for an all-zero block (the end-of-archive marker). */
export function parseTarHeader(block: Uint8Array): TarHeader | null {
  if (block.length !== TAR_BLOCK) throw new TarFormatError(`a tar header is ${TAR_BLOCK} bytes, got ${block.length}`);
  if (block.every((byte) => byte === 0)) return null;
  checkChecksum(block);
  const magic = readString(block, 257, 6);
  const name = readString(block, 0, 100);
  // Only POSIX ustar ("ustar\0") has the prefix field; GNU ("ustar  ") uses those bytes otherwise.
  const prefix = magic === "ustar" && block[262] === 0 ? readString(block, 345, 155) : "";
  const typeByte = block[156] ?? 0;
  return {
    name: prefix === "" ? name : `${prefix}/${name}`,
    size: readNumber(block, 124, 12, "size"),
    type: typeByte === 0 ? "0" : String.fromCharCode(typeByte),
  };
}

/** Bytes of member data that follow the header, rounded up to whole blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / TAR_BLOCK) * TAR_BLOCK;
}

/** Whether a member of this type carries `size` bytes of data after its header. */
export function hasData(type: string): boolean {
  // Links, character and block devices, directories and FIFOs carry none, whatever size says.
  return !["1", "2", "3", "4", "5", "6"].includes(type);
}

/**
 * The records of a pax extended header ('x'): "<length> <key>=<value>\n" each, length counting
 * the whole record in bytes (POSIX.1-2017 pax, "pax Extended Header").
 */
export function parsePaxRecords(data: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length && data[at] !== 0) {
    const space = data.indexOf(0x20, at);
    const length = space === -1 ? NaN : Number(decode(data.subarray(at, space)));
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length) {
      throw new TarFormatError(`a pax record at byte ${at} has a bad length`);
    }
    const record = decode(data.subarray(space + 1, at + length - 1));
    const equals = record.indexOf("=");
    if (equals === -1) throw new TarFormatError(`a pax record at byte ${at} has no '='`);
    records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return records;
}

/** The text of a GNU long-name member: the name, NUL-terminated. */
export function parseLongName(data: Uint8Array): string {
  const end = data.indexOf(0);
  return decode(end === -1 ? data : data.subarray(0, end));
}

function checkChecksum(block: Uint8Array): void {
  const stored = readNumber(block, 148, 8, "checksum");
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < TAR_BLOCK; i++) {
    // The checksum is computed with its own field read as eight spaces.
    const byte = i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  // Some old tars summed signed chars; readers accept either (Python tarfile does too).
  if (stored !== unsigned && stored !== signed) {
    throw new TarFormatError(`header checksum ${stored} does not match the header's bytes (${unsigned}): not a tar header or a damaged one`);
  }
}

/** An octal field (NUL- or space-terminated), or GNU base-256 when its first byte has the high bit set. */
function readNumber(block: Uint8Array, offset: number, length: number, what: string): number {
  const first = block[offset] ?? 0;
  if (first & 0x80) {
    if (first !== 0x80) throw new TarFormatError(`the ${what} field is a negative base-256 number`);
    let value = 0;
    for (let i = offset + 1; i < offset + length; i++) value = value * 256 + (block[i] ?? 0);
    if (!Number.isSafeInteger(value)) throw new TarFormatError(`the ${what} field is too large`);
    return value;
  }
  const text = readString(block, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`the ${what} field '${text}' is not an octal number`);
  return parseInt(text, 8);
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decode(end === -1 ? field : field.subarray(0, end));
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder("utf-8").decode(bytes);
}
