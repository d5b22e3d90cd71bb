// A binpkg a worker built, added to the target's PKGDIR as Portage's `bintree.inject` adds one:
// the file is written under a hidden temporary name and flushed; then, holding Portage's index lock
// (portage-lock.ts), it gets its name (claimed by exclusive create, `_allocate_filename_multi`) and
// the index is re-read, merged and replaced atomically (`_pkgindex_write` through atomic_ofstream).
// Nothing reaches PKGDIR's names or its index before every byte has arrived and matched the entry.
import { createHash, randomBytes, type Hash } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { describeGpkgMembers } from "../../binhost/gpkg-signature.js";
import { writePackagesIndexFiles } from "../../binhost/pkgdir-index.js";
import { readTarMembers } from "../../binhost/read-tar-members.js";
import { readPackagesIndex } from "../../engine/binpkg-index.js";
import { syncDirectory } from "../../io/atomic-file.js";
import { TransferError } from "./btrfs-stream.js";
import { withPortageIndexLock } from "./portage-lock.js";
import { buildIdOfPath, withBuildId } from "./transfer-routes.js";
import {
  checkReceivedBytes, ENTRY_HASHES, findSameUpload, MAX_ENTRY_BYTES, nextBuildId, parseUploadEntry, placedEntry, renderMergedIndex,
} from "./upload-entry.js";

export interface UploadOptions {
  /** The largest binpkg accepted, in bytes. */
  maxBytes: number;
  now: () => Date;
  /** The interpreter that holds Portage's lock (portage-lock.ts). */
  python?: string;
  /** The target signs its binpkgs (`signing`): an upload without both GPKG signatures is refused. */
  requireSigned?: boolean;
}

/** Where the upload went: its path in PKGDIR, which differs from the worker's when that BUILD_ID was taken. */
export interface UploadResult {
  path: string;
  size: number;
}

/** Reads the entry (`entryLength` bytes) and the binpkg after it from `body`, and adds both to `pkgdir`. */
export async function addUploadedBinpkg(
  pkgdir: string, relPath: string, entryLength: number, body: Readable, options: UploadOptions,
): Promise<UploadResult> {
  if (!Number.isInteger(entryLength) || entryLength < 1 || entryLength > MAX_ENTRY_BYTES) {
    throw new TransferError(`the upload of ${relPath} needs x-binpkgbot-entry-length between 1 and ${MAX_ENTRY_BYTES}`, 400);
  }
  const temporary = path.join(pkgdir, `.binpkgbot-upload-${randomBytes(6).toString("hex")}.tmp`);
  try {
    const received = await receiveBody(body, entryLength, temporary, relPath, options.maxBytes);
    const entry = parseUploadEntry(received.entryText, relPath);
    if (!entry.ok) throw new TransferError(entry.message, 400);
    const mismatch = checkReceivedBytes(entry.fields, received.size, received.digests);
    if (mismatch !== null) throw new TransferError(mismatch, 422);
    if (options.requireSigned) await requireSignatures(temporary, relPath);
    const mtime = Number(entry.fields.MTIME);
    if (Number.isInteger(mtime) && mtime > 0) await utimes(temporary, mtime, mtime);
    return await withPortageIndexLock(pkgdir, () => place(pkgdir, relPath, temporary, entry.fields, options.now), options.python);
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * A target with `signing` serves only signed binpkgs: clients verify them (Portage 3.0.78+), and one
 * unsigned file among them fails their emerge. Portage signs the metadata and image members of a GPKG
 * (gpkg.py `_add_signature`); an XPAK binpkg it never signs.
 */
async function requireSignatures(file: string, relPath: string): Promise<void> {
  const state = relPath.endsWith(".gpkg.tar")
    ? await readTarMembers(file).then((members) => describeGpkgMembers(members.map((member) => member.name)).state, () => "unknown" as const)
    : "not-gpkg";
  if (state === "signed") return;
  const what = state === "not-gpkg" ? "not a GPKG, which Portage never signs" : state === "unknown" ? "not readable as a GPKG" : state;
  throw new TransferError(
    `${relPath} is ${what}, but this target signs its binpkgs (signing): refused, so that servers verifying signatures never get it; ` +
      "its build ran without the key (binpkg-signing): only workers started with --signer, holding the key, may build this target",
    422,
  );
}

interface ReceivedBody {
  entryText: string;
  size: number;
  digests: Record<string, string>;
}

/** The entry's bytes, then the file's into `temporary` (flushed), hashed on the way. Rejects if the body is cut off. */
async function receiveBody(body: Readable, entryLength: number, temporary: string, relPath: string, maxBytes: number): Promise<ReceivedBody> {
  const hashes: [string, Hash][] = Object.entries(ENTRY_HASHES).map(([key, algorithm]) => [key, createHash(algorithm)]);
  const entryChunks: Buffer[] = [];
  let entryBytes = 0;
  let size = 0;
  const handle = await open(temporary, "wx", 0o644);
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      let data = chunk;
      if (entryBytes < entryLength) {
        const take = Math.min(entryLength - entryBytes, data.length);
        entryChunks.push(data.subarray(0, take));
        entryBytes += take;
        data = data.subarray(take);
      }
      if (data.length === 0) continue;
      size += data.length;
      if (size > maxBytes) throw new TransferError(`${relPath} is over ${maxBytes} bytes, the most the coordinator accepts`, 413);
      for (const [, hash] of hashes) hash.update(data);
      await handle.write(data);
    }
    if (entryBytes < entryLength) throw new TransferError(`the upload of ${relPath} ended inside its Packages entry`, 400);
    await handle.sync();
  } finally {
    await handle.close();
  }
  const digests = Object.fromEntries(hashes.map(([key, hash]) => [key, hash.digest("hex")]));
  return { entryText: Buffer.concat(entryChunks).toString("utf8"), size, digests };
}

/** Under the lock: the file's final name, then the index entry. */
async function place(pkgdir: string, relPath: string, temporary: string, fields: Record<string, string>, now: () => Date): Promise<UploadResult> {
  const index = await readPackagesIndex(pkgdir);
  const earlier = findSameUpload(index, fields);
  if (earlier !== null) return { path: earlier, size: Number(fields.SIZE) };
  const finalPath = await claimName(pkgdir, relPath, fields.CPV ?? "", index);
  const file = path.join(pkgdir, ...finalPath.split("/"));
  await rename(temporary, file);
  await syncDirectory(path.dirname(file));
  const stats = await stat(file);
  const text = renderMergedIndex(index, placedEntry(fields, finalPath, Math.floor(stats.mtimeMs / 1000)), now());
  await writePackagesIndexFiles(pkgdir, text);
  return { path: finalPath, size: stats.size };
}

/**
 * A multi-instance upload keeps its name if it is free, else takes the next free BUILD_ID; the name
 * is claimed by creating it exclusively, as Portage does outside its lock. A single-instance name is
 * replaced, as a second build of that version replaces the first in Portage.
 */
async function claimName(pkgdir: string, relPath: string, cpv: string, index: Awaited<ReturnType<typeof readPackagesIndex>>): Promise<string> {
  const dir = path.join(pkgdir, ...path.posix.dirname(relPath).split("/"));
  await mkdir(dir, { recursive: true });
  if (buildIdOfPath(relPath) === null) return relPath;
  let candidate = relPath;
  for (;;) {
    try {
      await (await open(path.join(pkgdir, ...candidate.split("/")), "wx", 0o644)).close();
      return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const taken = buildIdOfPath(candidate) ?? 0;
    candidate = withBuildId(relPath, Math.max(taken + 1, nextBuildId(relPath, cpv, await readdir(dir), index)));
  }
}
