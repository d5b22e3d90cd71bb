// Pure: a report travels as an uncompressed POSIX tar. A tar carries each entry's type, so the
// receiver sees a symlink, a device or a FIFO as what it is and can refuse it; it needs no base64
// (a third larger) and can be written and read as a stream with a known bound. Headers are
// POSIX ustar with a pax 'x' record for names over 100 bytes (POSIX.1-2017 pax, "ustar
// Interchange Format" and "pax Extended Header"); reading reuses src/binhost/tar-header.ts.
import { hasData, paddedSize, parseLongName, parsePaxRecords, parseTarHeader, TAR_BLOCK, TarFormatError } from "../binhost/tar-header.js";
import { checkEntryPath, checkEntryPlace, checkEntrySet, entryKindOf, type Checked, type ReportEntry, type ReportLimits } from "./report-entries.js";

/** An entry with its bytes, as the reporting side writes it and the receiving side reads it. */
export type ReportMember =
  | { kind: "file"; path: string; data: Uint8Array }
  | { kind: "directory"; path: string }
  | { kind: "symlink"; path: string; target: string };

const TYPEFLAG: Record<ReportMember["kind"], string> = { file: "0", directory: "5", symlink: "2" };
const MODE: Record<ReportMember["kind"], number> = { file: 0o644, directory: 0o755, symlink: 0o777 };

export function renderReportTar(members: readonly ReportMember[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const member of members) {
    const target = member.kind === "symlink" ? member.target : "";
    const data = member.kind === "file" ? member.data : new Uint8Array(0);
    const records = [
      ...(Buffer.byteLength(member.path) > 100 ? [paxRecord("path", member.path)] : []),
      ...(Buffer.byteLength(target) > 100 ? [paxRecord("linkpath", target)] : []),
    ];
    if (records.length > 0) {
      const pax = Buffer.concat(records);
      blocks.push(header({ name: "PaxHeader", typeflag: "x", size: pax.length, mode: 0o644, linkName: "" }), padded(pax));
    }
    blocks.push(header({ name: member.path, typeflag: TYPEFLAG[member.kind], size: data.length, mode: MODE[member.kind], linkName: target }), padded(data));
  }
  blocks.push(new Uint8Array(2 * TAR_BLOCK));
  return Buffer.concat(blocks);
}

function header(fields: { name: string; typeflag: string; size: number; mode: number; linkName: string }): Uint8Array {
  const block = Buffer.alloc(TAR_BLOCK);
  // A longer name travels in the pax record before; the header keeps a truncated copy.
  block.write(truncate(fields.name, 100), 0, "utf8");
  block.write(octal(fields.mode, 8), 100, "ascii");
  block.write(octal(0, 8), 108, "ascii");
  block.write(octal(0, 8), 116, "ascii");
  block.write(octal(fields.size, 12), 124, "ascii");
  block.write(octal(0, 12), 136, "ascii");
  block.write(fields.typeflag, 156, "ascii");
  block.write(truncate(fields.linkName, 100), 157, "utf8");
  block.write("ustar\u000000", 257, "ascii");
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, "ascii");
  return block;
}

function truncate(text: string, bytes: number): string {
  const buffer = Buffer.from(text);
  return buffer.length <= bytes ? text : buffer.subarray(0, bytes).toString("utf8");
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\u0000`;
}

function paxRecord(key: string, value: string): Buffer {
  // The length counts the whole record, its own digits included.
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`);
}

function padded(data: Uint8Array): Uint8Array {
  const size = paddedSize(data.length);
  if (size === data.length) return data;
  const out = new Uint8Array(size);
  out.set(data);
  return out;
}

/**
 * Reads a whole report (its size already bounded by the caller) and checks every entry: the
 * first problem is returned and nothing else is looked at. Accepts what GNU tar writes too
 * ('L'/'K' long names, `./` never: names must be exact).
 */
export function parseReportTar(bytes: Uint8Array, limits: ReportLimits): Checked<ReportMember[]> {
  try {
    return readMembers(bytes, limits);
  } catch (error) {
    if (error instanceof TarFormatError) return { ok: false, problem: `not a readable tar: ${error.message}` };
    throw error;
  }
}

function readMembers(bytes: Uint8Array, limits: ReportLimits): Checked<ReportMember[]> {
  const members: ReportMember[] = [];
  let pending: { name?: string; linkName?: string } = {};
  let offset = 0;
  while (offset + TAR_BLOCK <= bytes.length) {
    const block = bytes.subarray(offset, offset + TAR_BLOCK);
    const head = parseTarHeader(block);
    if (head === null) {
      const checked = checkEntrySet(members.map(entryOf), limits);
      return checked.ok ? { ok: true, value: members } : checked;
    }
    const start = offset + TAR_BLOCK;
    const size = hasData(head.type) ? head.size : 0;
    if (start + size > bytes.length) return { ok: false, problem: `the tar is truncated inside ${JSON.stringify(head.name.slice(0, 200))}` };
    const data = bytes.subarray(start, start + size);
    offset = start + paddedSize(size);
    if (head.type === "x") {
      const records = parsePaxRecords(data);
      pending = { name: records.get("path") ?? pending.name, linkName: records.get("linkpath") ?? pending.linkName };
    } else if (head.type === "L" || head.type === "K") {
      pending = head.type === "L" ? { ...pending, name: parseLongName(data) } : { ...pending, linkName: parseLongName(data) };
    } else {
      const member = checkMember(head.type, pending.name ?? head.name, pending.linkName ?? readLinkName(block), data, limits);
      if (!member.ok) return member;
      members.push(member.value);
      if (members.length > limits.maxEntries) return { ok: false, problem: `more than ${limits.maxEntries} entries` };
      pending = {};
    }
  }
  return { ok: false, problem: "the tar is truncated: no end-of-archive block" };
}

function checkMember(typeflag: string, name: string, linkName: string, data: Uint8Array, limits: ReportLimits): Checked<ReportMember> {
  const path = checkEntryPath(name, limits);
  if (!path.ok) return path;
  const kind = entryKindOf(typeflag);
  if (!kind.ok) return { ok: false, problem: `${path.value} is ${kind.problem}` };
  if (kind.value === "symlink" && Buffer.byteLength(linkName) > limits.maxPathBytes) return { ok: false, problem: `${path.value}: the symlink target is longer than ${limits.maxPathBytes} bytes` };
  const entry: ReportEntry = kind.value === "file" ? { kind: "file", path: path.value, size: data.length }
    : kind.value === "symlink" ? { kind: "symlink", path: path.value, target: linkName } : { kind: "directory", path: path.value };
  const placed = checkEntryPlace(entry);
  if (!placed.ok) return placed;
  if (entry.kind === "file") return { ok: true, value: { kind: "file", path: entry.path, data } };
  return { ok: true, value: entry };
}

function entryOf(member: ReportMember): ReportEntry {
  return member.kind === "file" ? { kind: "file", path: member.path, size: member.data.length } : member;
}

/** The linkname field of a header (ustar offset 157, 100 bytes), which tar-header.ts does not read. */
function readLinkName(block: Uint8Array): string {
  const field = block.subarray(157, 257);
  const end = field.indexOf(0);
  return new TextDecoder("utf-8").decode(end === -1 ? field : field.subarray(0, end));
}
