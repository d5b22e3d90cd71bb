// Lists the members of an uncompressed tar by reading its headers only: each header says how far
// the next one is, so a GPKG of any size costs a handful of 512-byte reads, never its image.
import { open, type FileHandle } from "node:fs/promises";
import { hasData, paddedSize, parseLongName, parsePaxRecords, parseTarHeader, TAR_BLOCK, TarFormatError } from "./tar-header.js";

export type TarMember = { name: string; size: number; type: string; offset: number };

/** The tar could not be read: missing, truncated, damaged, or not a tar. */
export class TarReadError extends Error {
  override readonly name = "TarReadError";
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

// Long names and pax records are short; anything larger is not what Portage writes.
const MAX_EXTENSION_BYTES = 1024 * 1024;
const DEFAULT_MAX_MEMBERS = 10_000;

type Pending = { name?: string; size?: number };

export async function readTarMembers(path: string, options: { maxMembers?: number } = {}): Promise<TarMember[]> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new TarReadError(`cannot open ${path}: ${(error as Error).message}`, path, { cause: error });
  }
  try {
    return await walk(handle, path, options.maxMembers ?? DEFAULT_MAX_MEMBERS);
  } catch (error) {
    if (error instanceof TarReadError) throw error;
    throw new TarReadError(`cannot read the tar ${path}: ${(error as Error).message}`, path, { cause: error });
  } finally {
    await handle.close();
  }
}

async function walk(handle: FileHandle, path: string, maxMembers: number): Promise<TarMember[]> {
  const fileSize = (await handle.stat()).size;
  const members: TarMember[] = [];
  let pending: Pending = {};
  let offset = 0;
  while (offset + TAR_BLOCK <= fileSize) {
    const header = parseTarHeader(await readExactly(handle, offset, TAR_BLOCK, path));
    if (header === null) return members;
    const dataOffset = offset + TAR_BLOCK;
    const dataSize = hasData(header.type) ? header.size : 0;
    if (dataOffset + dataSize > fileSize) {
      throw new TarReadError(`${path} is truncated: the member '${header.name}' needs ${dataSize} bytes at ${dataOffset}, the file has ${fileSize}`, path);
    }
    if (header.type === "L" || header.type === "x") {
      const data = await readExtension(handle, dataOffset, dataSize, path);
      pending = header.type === "L" ? { ...pending, name: parseLongName(data) } : applyPax(pending, data);
    } else if (header.type !== "g") {
      const size = pending.size ?? header.size;
      members.push({ name: pending.name ?? header.name, size, type: header.type, offset: dataOffset });
      if (members.length > maxMembers) throw new TarReadError(`${path} has more than ${maxMembers} members`, path);
      pending = {};
      // A pax size record overrides the header's size (for members over 8 GiB).
      offset = dataOffset + paddedSize(hasData(header.type) ? size : 0);
      continue;
    }
    offset = dataOffset + paddedSize(dataSize);
  }
  // GNU tar and Python's tarfile end an archive with zero blocks; a file that just stops is damaged.
  throw new TarReadError(`${path} is truncated or not a tar: no end-of-archive block after ${members.length} members`, path);
}

function applyPax(pending: Pending, data: Uint8Array): Pending {
  const records = parsePaxRecords(data);
  const next = { ...pending };
  const name = records.get("path");
  const size = records.get("size");
  if (name !== undefined) next.name = name;
  if (size !== undefined) {
    if (!/^[0-9]+$/.test(size)) throw new TarFormatError(`the pax size '${size}' is not a number`);
    next.size = Number(size);
  }
  return next;
}

async function readExtension(handle: FileHandle, offset: number, size: number, path: string): Promise<Uint8Array> {
  if (size > MAX_EXTENSION_BYTES) throw new TarReadError(`${path}: an extended header of ${size} bytes is larger than any binpkg needs`, path);
  return readExactly(handle, offset, size, path);
}

async function readExactly(handle: FileHandle, offset: number, length: number, path: string): Promise<Uint8Array> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) throw new TarReadError(`${path} ends at byte ${offset + done}, inside a tar header`, path);
    done += bytesRead;
  }
  return buffer;
}
