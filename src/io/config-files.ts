// The disk behind config loading: reads files and expands include globs segment by segment.
// Everything here is bounded (src/config/limits.ts): a read never blocks (a FIFO) nor runs forever
// (/dev/zero), and a pattern never walks more than a few directories.
import { closeSync, constants, fstatSync, openSync, opendirSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import type { ConfigFiles } from "../config/load.js";
import { controlCharacterIn, hasGlobMagic, segmentMatcher } from "../config/glob.js";
import { MAX_DIRECTORY_ENTRIES, MAX_GLOB_PATHS } from "../config/limits.js";

/** Up to `maxBytes + 1` bytes of a regular file; anything else is refused before a byte is read. */
export function readConfigFile(file: string, maxBytes: number): Uint8Array {
  refuseNonRegular(statOrExplain(file));
  // O_NONBLOCK: should the path become a FIFO after the stat, opening it must not wait for a writer.
  const fd = openOrExplain(file);
  try {
    refuseNonRegular(fstatSync(fd));
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= maxBytes) {
      const chunk = Buffer.alloc(Math.min(64 * 1024, maxBytes + 1 - total));
      const count = readSync(fd, chunk, 0, chunk.length, null);
      if (count === 0) break;
      chunks.push(chunk.subarray(0, count));
      total += count;
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

function statOrExplain(file: string): Stats {
  try {
    return statSync(file);
  } catch (error) {
    throw explain(error);
  }
}

function openOrExplain(file: string): number {
  try {
    return openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    throw explain(error);
  }
}

function explain(error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  return new Error(code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message, { cause: error });
}

function refuseNonRegular(stats: Stats): void {
  if (stats.isFile()) return;
  const kind = stats.isDirectory() ? "a directory" : stats.isFIFO() ? "a FIFO" : stats.isCharacterDevice() ? "a character device"
    : stats.isBlockDevice() ? "a block device" : stats.isSocket() ? "a socket" : "not a file";
  throw new Error(`is ${kind}, not a regular file; a config file must be a regular file`);
}

/** The names in a directory that match a segment, read as bytes so that a name that is not UTF-8 is noticed. */
function matchDirectory(directory: string, segment: string): string[] {
  const matcher = segmentMatcher(segment);
  const dotOk = segment.startsWith(".");
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let dir;
  try {
    // Node reads names as bytes with "buffer", though its types admit only text encodings.
    dir = opendirSync(directory, { encoding: "buffer" as BufferEncoding });
  } catch {
    return [];
  }
  const names: string[] = [];
  try {
    for (let entries = 0; ; entries++) {
      const entry = dir.readSync();
      if (entry === null) break;
      if (entries >= MAX_DIRECTORY_ENTRIES) throw new Error(`${directory} has more than ${MAX_DIRECTORY_ENTRIES} entries (the limit)`);
      const raw = entry.name as unknown as Buffer;
      const loose = raw.toString("utf8");
      if ((!dotOk && loose.startsWith(".")) || !matcher.test(loose)) continue;
      names.push(checkName(directory, raw, loose, decoder));
    }
  } finally {
    dir.closeSync();
  }
  return names;
}

function checkName(directory: string, raw: Buffer, loose: string, decoder: InstanceType<typeof TextDecoder>): string {
  try {
    decoder.decode(raw);
  } catch {
    const shown = [...raw].map((byte) => (byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16)}`)).join("");
    throw new Error(`the name of ${path.join(directory, shown)} is not valid UTF-8; rename the file`);
  }
  if (controlCharacterIn(loose) !== undefined) throw new Error(`the name of ${path.join(directory, JSON.stringify(loose))} holds a control character; rename the file`);
  return loose;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function expandGlob(pattern: string): string[] {
  const segments = pattern.split("/").filter((segment, index) => segment !== "" || index === 0);
  let prefixes = [segments[0] === "" ? "/" : segments[0] ?? "/"];
  for (const segment of segments.slice(1)) {
    const next: string[] = [];
    for (const prefix of prefixes) {
      if (!hasGlobMagic(segment)) next.push(path.join(prefix, segment));
      else for (const name of matchDirectory(prefix, segment)) next.push(path.join(prefix, name));
      if (next.length > MAX_GLOB_PATHS) throw new Error(`it reaches more than ${MAX_GLOB_PATHS} paths (the limit); name the directories more exactly`);
    }
    prefixes = next;
  }
  return prefixes.filter(isFile);
}

export const diskConfigFiles: ConfigFiles = {
  read: readConfigFile,
  glob: expandGlob,
  realpath: (file) => realpathSync(file),
};
