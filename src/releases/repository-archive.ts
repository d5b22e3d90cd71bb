// Writes the ebuild repository a release was built from as one ZIP archive, the file a server with
// `sync-type = zipfile` fetches (lib/portage/sync/modules/zipfile/zipfile.py): over plain HTTP from the
// binhost, with If-None-Match against the ETag it kept, replacing its whole tree by the archive's
// content, so a server moved to an older release gets the older tree back. (emerge-webrsync would need
// date-named tarballs under GENTOO_MIRRORS, only for ::gentoo, and refuses to go back in time.)
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from "node:fs";
import path from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { deflateRawSync } from "node:zlib";
import { removeFile, syncDirectory } from "../io/atomic-file.js";
import { crc32, MAX_ZIP_ENTRY_BYTES, renderCentralHeader, renderEndRecords, renderLocalHeader, type ZipEntry } from "./zip-records.js";

/**
 * Top-level names that are no part of the repository's state: what rsync sync excludes
 * (lib/portage/sync/modules/rsync/rsync.py: /distfiles, /local, /packages), a git checkout's
 * metadata, and zipfile.py's own `.info` (its ETag) and `.temp*` directory.
 */
export function isArchivedTopName(name: string): boolean {
  return !["distfiles", "local", "packages", ".git", ".info"].includes(name) && !name.startsWith(".temp");
}

/**
 * The work is synchronous (one readFileSync and one deflateRawSync per file: ten times faster than a
 * thread-pool round trip for each of ::gentoo's small files) and gives the event loop a turn after
 * this long, so that a daemon that publishes keeps answering meanwhile.
 */
const SLICE_MS = 20;
/** Output is written in pieces of this size. */
const WRITE_CHUNK = 1 << 20;

export interface ArchiveDeps {
  /** write(2) of the archive; tests give one that fails as a full disk would. */
  writeArchive?: (fd: number, chunk: Buffer) => void;
}

/**
 * Writes `repoDir` as `dest` (through a temporary name beside it, renamed at the end, removed on any
 * error). `profiles/` comes first: zipfile.py strips from each name as many leading components as the
 * first entry named `profiles` has, so at the top it strips none. Directories precede their content,
 * since zipfile.py creates only the directories the archive lists. Symlinks and special files are left
 * out: zipfile.py would write a symlink as a file holding its target.
 */
export async function writeRepositoryArchive(repoDir: string, dest: string, deps: ArchiveDeps = {}): Promise<{ entries: number; bytes: number }> {
  const slicer = new Slicer();
  const names = await listTree(repoDir, slicer);
  if (names[0] !== "profiles/") throw new Error(`${repoDir} has no profiles/ directory, so it is no ebuild repository (check portage_repo)`);
  const temporary = path.join(path.dirname(dest), `.${path.basename(dest)}.binpkgbot-${process.pid}.tmp`);
  const fd = openSync(temporary, "w", 0o644);
  let open = true;
  try {
    const writer = new ArchiveWriter((chunk) => (deps.writeArchive ?? writeAll)(fd, chunk));
    for (const name of names) {
      const { entry, data } = readEntry(repoDir, name);
      writer.add(entry, data);
      await slicer.maybeYield();
    }
    const bytes = writer.finish();
    fsyncSync(fd);
    closeSync(fd);
    open = false;
    renameSync(temporary, dest);
    await syncDirectory(path.dirname(dest));
    return { entries: names.length, bytes };
  } catch (error) {
    if (open) closeSync(fd);
    await removeFile(temporary);
    throw error;
  }
}

class Slicer {
  private started = performance.now();

  async maybeYield(): Promise<void> {
    if (performance.now() - this.started < SLICE_MS) return;
    await nextTurn();
    this.started = performance.now();
  }
}

function writeAll(fd: number, chunk: Buffer): void {
  let written = 0;
  while (written < chunk.length) written += writeSync(fd, chunk, written, chunk.length - written);
}

type Dirent = { name: string; isDirectory(): boolean; isFile(): boolean };

/** Every directory (with a trailing `/`) and regular file, `profiles/` first, each directory before its content. */
async function listTree(repoDir: string, slicer: Slicer): Promise<string[]> {
  const top = readdirSync(repoDir, { withFileTypes: true }).filter((entry) => isArchivedTopName(entry.name));
  const ordered = [...top.filter((entry) => entry.name === "profiles"), ...top.filter((entry) => entry.name !== "profiles").sort(byName)];
  const names: string[] = [];
  // Depth first without recursion: a stack of entries still to list, the next on top.
  const stack: { parent: string; entry: Dirent }[] = ordered.reverse().map((entry) => ({ parent: "", entry }));
  while (stack.length > 0) {
    const { parent, entry } = stack.pop()!;
    const name = parent + entry.name;
    if (entry.isFile()) names.push(name);
    if (!entry.isDirectory()) continue;
    names.push(`${name}/`);
    const children = readdirSync(path.join(repoDir, name), { withFileTypes: true }).sort(byName);
    for (let i = children.length - 1; i >= 0; i--) stack.push({ parent: `${name}/`, entry: children[i]! });
    await slicer.maybeYield();
  }
  return names;
}

function byName(a: { name: string }, b: { name: string }): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

function readEntry(root: string, name: string): { entry: ZipEntry; data: Uint8Array } {
  if (name.endsWith("/")) return { entry: { name, method: 0, crc32: 0, compressedSize: 0, size: 0 }, data: new Uint8Array(0) };
  const content = readFileSync(path.join(root, name));
  if (content.length > MAX_ZIP_ENTRY_BYTES) throw new Error(`${path.join(root, name)} is larger than 4 GiB, more than a repository archive entry holds`);
  const packed = deflateRawSync(content);
  const method = packed.length < content.length ? 8 : 0;
  const data = method === 8 ? packed : content;
  return { entry: { name, method, crc32: crc32(content), compressedSize: data.length, size: content.length }, data };
}

class ArchiveWriter {
  private offset = 0;
  private readonly central: Buffer[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly write: (chunk: Buffer) => void) {}

  add(entry: ZipEntry, data: Uint8Array): void {
    this.central.push(renderCentralHeader(entry, this.offset));
    this.push(renderLocalHeader(entry));
    this.push(data);
  }

  /** Writes the central directory and the end records; returns the archive's size. */
  finish(): number {
    const directoryOffset = this.offset;
    for (const header of this.central) this.push(header);
    this.push(renderEndRecords(this.central.length, directoryOffset, this.offset - directoryOffset));
    this.flush();
    return this.offset;
  }

  private push(data: Uint8Array): void {
    this.pending.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.pendingBytes += data.byteLength;
    this.offset += data.byteLength;
    if (this.pendingBytes >= WRITE_CHUNK) this.flush();
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.write(chunk);
  }
}
