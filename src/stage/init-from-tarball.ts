// A new stage from a stage3/stage4 tarball: a fresh btrfs subvolume (or, when asked, a plain
// directory) filled by GNU tar with ownership, modes, xattrs, file capabilities and ACLs kept.
// Whatever fails, the half-made stage is removed: nothing is left behind.
import { lstat, mkdir, open, rm, stat } from "node:fs/promises";
import { basename, dirname } from "node:path";
import { createSubvolume, deleteSubvolume } from "../container/btrfs.js";
import { readFilesystemType } from "../container/filesystem.js";
import type { Exec, ExecResult } from "../exec/exec.js";

export type Compression = "xz" | "zstd" | "gzip" | "bzip2" | "none";

export type StageInitFailure = "exists" | "parent" | "not-btrfs" | "tarball" | "extract" | "not-a-stage" | "interrupted";

/** Why a stage could not be made; the message names the path and what to do. */
export class StageInitError extends Error {
  override readonly name = "StageInitError";
  constructor(message: string, readonly reason: StageInitFailure, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface StageInitOptions {
  exec: Exec;
  /** The directory to create: it must not exist, its parent must. */
  target: string;
  tarball: string;
  /** Accept a target whose filesystem is not btrfs (a plain directory instead of a subvolume). */
  allowNonBtrfs: boolean;
  signal?: AbortSignal;
}

export interface StageInitResult {
  target: string;
  kind: "subvolume" | "directory";
  /** The filesystem the stage is on ("btrfs", "ext2/ext3", …). */
  filesystem: string;
  /** Found from the file's first bytes. */
  compression: Compression;
  /** What the file name suggests, when that differs from the content. */
  misnamedAs: Compression | null;
}

// The first bytes of each format: xz-file-format.txt 2.1.1.1, RFC 8878 3.1.1, RFC 1952 2.3.1,
// bzip2 "BZh", and POSIX ustar's "ustar" magic at offset 257.
const MAGIC: readonly { compression: Exclude<Compression, "none">; bytes: readonly number[] }[] = [
  { compression: "xz", bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  { compression: "zstd", bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  { compression: "gzip", bytes: [0x1f, 0x8b] },
  { compression: "bzip2", bytes: [0x42, 0x5a, 0x68] },
];
const USTAR_OFFSET = 257;
const HEAD_BYTES = 512;

/** The compression of a tarball from its first 512 bytes; null when it is no tarball binpkgbot knows. */
export function detectCompression(head: Uint8Array): Compression | null {
  for (const { compression, bytes } of MAGIC) {
    if (bytes.every((byte, index) => head[index] === byte)) return compression;
  }
  const ustar = new TextDecoder().decode(head.subarray(USTAR_OFFSET, USTAR_OFFSET + 5));
  return ustar === "ustar" ? "none" : null;
}

/** What a file name suggests: stage3-amd64.tar.xz → xz; null when the name says nothing. */
export function compressionFromName(file: string): Compression | null {
  const name = basename(file).toLowerCase();
  const endings: readonly [string, Compression][] = [
    [".tar.xz", "xz"], [".txz", "xz"], [".tar.zst", "zstd"], [".tzst", "zstd"], [".tar.gz", "gzip"], [".tgz", "gzip"],
    [".tar.bz2", "bzip2"], [".tbz2", "bzip2"], [".tar", "none"],
  ];
  return endings.find(([ending]) => name.endsWith(ending))?.[1] ?? null;
}

/**
 * GNU tar's argv to unpack a stage as the Gentoo handbook does (tar(1)): numeric owners, so that
 * the host's user names do not remap them; permissions including set-uid bits; every xattr
 * namespace (without --xattrs-include tar restores only user.*, losing security.capability);
 * and ACLs.
 */
export function renderTarExtractArgv(tarball: string, target: string, compression: Compression): string[] {
  const decompress: Record<Compression, string[]> = { xz: ["--xz"], zstd: ["--zstd"], gzip: ["--gzip"], bzip2: ["--bzip2"], none: [] };
  return [
    "tar", "--extract", "--file", tarball, "--directory", target, ...decompress[compression],
    "--numeric-owner", "--preserve-permissions", "--xattrs", "--xattrs-include=*", "--acls",
  ];
}

export async function initStageFromTarball(options: StageInitOptions): Promise<StageInitResult> {
  const { exec, target, tarball } = options;
  const compression = await readCompression(tarball);
  const filesystem = await checkTarget(target, options.allowNonBtrfs);
  const kind = filesystem === "btrfs" ? "subvolume" : "directory";
  if (kind === "subvolume") await createSubvolume(exec, target);
  else await mkdir(target);
  try {
    await extract(exec, tarball, target, compression, options.signal);
    await checkLooksLikeStage(target, tarball);
  } catch (error) {
    throw await removeAfterFailure(exec, target, kind, error);
  }
  const named = compressionFromName(tarball);
  return { target, kind, filesystem, compression, misnamedAs: named !== null && named !== compression ? named : null };
}

async function readCompression(tarball: string): Promise<Compression> {
  let head: Uint8Array;
  try {
    const file = await open(tarball, "r");
    try {
      const buffer = new Uint8Array(HEAD_BYTES);
      const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (error) {
    throw new StageInitError(`cannot read ${tarball}: ${(error as Error).message}; give the path of a downloaded stage3 tarball`,
      "tarball", tarball, { cause: error });
  }
  const compression = detectCompression(head);
  if (compression === null) {
    throw new StageInitError(`${tarball} is not a tar archive compressed with xz, zstd, gzip or bzip2 (its first bytes match none): ` +
      "download it again, and check it against its .DIGESTS file", "tarball", tarball);
  }
  return compression;
}

/** Refuses an existing target, a missing parent, and (unless allowed) a parent that is not on btrfs. */
async function checkTarget(target: string, allowNonBtrfs: boolean): Promise<string> {
  const existing = await lstat(target).catch(() => null);
  if (existing !== null) {
    throw new StageInitError(`${target} already exists: binpkgbot stage init only creates a new stage; ` +
      `to start over, remove it first (btrfs subvolume delete ${target}, or rm -r ${target} if it is a plain directory), ` +
      "or set 'stage' in the config to a new path", "exists", target);
  }
  const parent = dirname(target);
  const parentInfo = await stat(parent).catch(() => null);
  if (!parentInfo?.isDirectory()) {
    throw new StageInitError(`${parent}, where the stage ${target} would go, is not a directory: create it first: mkdir -p ${parent}`, "parent", parent);
  }
  const filesystem = await readFilesystemType(parent);
  if (filesystem !== "btrfs" && !allowNonBtrfs) {
    throw new StageInitError(`${parent} is on ${filesystem}, not btrfs: there every throw-away container of systemd-nspawn --ephemeral ` +
      "is a full copy of the stage (slow to start, and as large as the stage each time), and the stage cannot be snapshotted; " +
      `put the stage on a btrfs filesystem, or add --force-non-btrfs to accept that cost`, "not-btrfs", parent);
  }
  return filesystem;
}

async function extract(exec: Exec, tarball: string, target: string, compression: Compression, signal?: AbortSignal): Promise<void> {
  const argv = renderTarExtractArgv(tarball, target, compression);
  let result: ExecResult;
  try {
    result = await exec.run(argv, signal ? { signal } : {});
  } catch (error) {
    throw new StageInitError(`cannot run tar: ${(error as Error).message}; install GNU tar (and xz, zstd, gzip or bzip2)`, "extract", tarball, { cause: error });
  }
  if (signal?.aborted) throw new StageInitError(`interrupted while unpacking ${tarball}`, "interrupted", tarball);
  if (result.code !== 0) {
    const detail = result.stderr.trim().split("\n").filter(Boolean).slice(-3).join("; ") || `exit ${result.code ?? result.signal}`;
    throw new StageInitError(`tar could not unpack ${tarball} (${compression}): ${detail}; ` +
      "if the file is truncated or corrupt, download it again and check it against its .DIGESTS file", "extract", tarball);
  }
}

// systemd-nspawn refuses a directory without /usr ("doesn't look like it has an OS tree").
async function checkLooksLikeStage(target: string, tarball: string): Promise<void> {
  const usr = await stat(`${target}/usr`).catch(() => null);
  if (!usr?.isDirectory()) {
    throw new StageInitError(`${tarball} has no usr/ at its top, so it is not a stage3/stage4 (systemd-nspawn would refuse it): ` +
      "use a stage tarball from https://www.gentoo.org/downloads/ (its files start at ./)", "not-a-stage", tarball);
  }
}

/** Removes the half-made stage and returns the error to throw, naming any leftover. */
async function removeAfterFailure(exec: Exec, target: string, kind: StageInitResult["kind"], error: unknown): Promise<Error> {
  const failure = error instanceof Error ? error : new Error(String(error));
  try {
    if (kind === "subvolume") await deleteSubvolume(exec, target);
    else await rm(target, { recursive: true, force: true });
  } catch (cleanupError) {
    const command = kind === "subvolume" ? `btrfs subvolume delete ${target}` : `rm -r ${target}`;
    return new StageInitError(`${failure.message}; the half-made stage ${target} could not be removed ` +
      `(${(cleanupError as Error).message}): remove it by hand: ${command}`, "extract", target, { cause: failure });
  }
  return failure;
}
