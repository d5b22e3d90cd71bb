// A worker's PKGDIR copy of a target (store-layout.ts), made the coordinator's before a job, so that
// `emerge --usepkg` in the job's container merges the binpkgs the coordinator has instead of building
// them again. Only binpkgs the copy lacks (or holds with another size or time) are fetched; each is
// checked against its index entry's SIZE and hashes, and renamed into place whole. Then the index is
// the coordinator's, and binpkgs it does not list go: the copy holds exactly what the index lists, so a
// step's new binpkgs are exactly what its build added (src/engine/binpkg-index.ts). Runs only while no
// job of the target runs on this worker (store-place.ts): Portage must not be writing the copy.
import { createHash, randomBytes, type Hash } from "node:crypto";
import { mkdir, open, rename, rm, utimes } from "node:fs/promises";
import path from "node:path";
import { scanPkgdirFiles } from "../../binhost/pkgdir-files.js";
import type { PkgdirFile } from "../../binhost/pkgdir-inventory.js";
import { PACKAGES_FILE, PACKAGES_GZ_FILE } from "../../binhost/pkgdir-index.js";
import { syncDirectory, writeFileAtomic } from "../../io/atomic-file.js";
import { parsePackagesIndex, type BinpkgEntry } from "../../portage/packages-index.js";
import { CoordinatorError, type TransferClient } from "./transfer-client.js";
import { checkBinpkgPath, INDEX_NAME } from "./transfer-routes.js";
import { checkReceivedBytes, ENTRY_HASHES } from "./upload-entry.js";

export interface MirrorPlan {
  /** Index entries whose file the copy lacks or holds with another SIZE or MTIME. */
  fetch: BinpkgEntry[];
  /** Binpkg files of the copy the index does not list. */
  remove: string[];
  /** Entries that cannot be used (a PATH outside PKGDIR, no SIZE; after fetching: not served, other bytes): left out of the copy's index. */
  skipped: { path: string; reason: string }[];
}

/** Pure: what makes `local` (the copy's binpkg files) the files of `entries` (the coordinator's index). */
export function planPkgdirMirror(entries: readonly BinpkgEntry[], local: readonly PkgdirFile[]): MirrorPlan {
  const have = new Map(local.map((file) => [file.path, file]));
  const plan: MirrorPlan = { fetch: [], remove: [], skipped: [] };
  const listed = new Set<string>();
  for (const entry of entries) {
    const problem = checkBinpkgPath(entry.path) ?? (/^[0-9]+$/.test(entry.fields.SIZE ?? "") ? null : "the entry has no SIZE");
    if (problem !== null) {
      plan.skipped.push({ path: entry.path, reason: problem });
      continue;
    }
    listed.add(entry.path);
    const file = have.get(entry.path);
    const same = file !== undefined && String(file.size) === entry.fields.SIZE && String(Math.floor(file.mtimeMs / 1000)) === entry.fields.MTIME;
    if (!same) plan.fetch.push(entry);
  }
  plan.remove = local.map((file) => file.path).filter((file) => !listed.has(file));
  return plan;
}

/** Pure: the index text without the skipped entries' blocks (blocks are separated by blank lines). */
export function renderMirroredIndex(text: string, skipped: readonly string[]): string {
  if (skipped.length === 0) return text;
  const blocks = text.split(/\n\n+/);
  return blocks.filter((block, index) => index === 0 || !skipped.some((file) => new RegExp(`^PATH: ${escape(file)}$`, "m").test(block))).join("\n\n");
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface MirrorResult {
  fetched: string[];
  removed: string[];
  skipped: { path: string; reason: string }[];
}

export async function mirrorPkgdir(client: TransferClient, target: string, pkgdir: string): Promise<MirrorResult> {
  await mkdir(pkgdir, { recursive: true });
  const text = await readCoordinatorIndex(client, target);
  const plan = planPkgdirMirror(parsePackagesIndex(text).packages, await scanPkgdirFiles(pkgdir));
  const fetched: string[] = [];
  // Binpkg paths (checked by the plan) whose copy here is not the coordinator's file: not listed, not kept.
  const dropped: string[] = [];
  for (const entry of plan.fetch) {
    const problem = await fetchBinpkg(client, target, pkgdir, entry);
    if (problem === null) {
      fetched.push(entry.path);
    } else {
      plan.skipped.push({ path: entry.path, reason: problem });
      dropped.push(entry.path);
    }
  }
  for (const file of [...plan.remove, ...dropped]) await rm(path.join(pkgdir, ...file.split("/")), { force: true });
  await rm(path.join(pkgdir, PACKAGES_GZ_FILE), { force: true });
  await writeFileAtomic(path.join(pkgdir, PACKAGES_FILE), renderMirroredIndex(text, plan.skipped.map((entry) => entry.path)));
  return { fetched, removed: plan.remove, skipped: plan.skipped };
}

/** The coordinator's index; none yet (nothing built for the target) is an empty one. */
async function readCoordinatorIndex(client: TransferClient, target: string): Promise<string> {
  try {
    const res = await client.request("GET", `/fleet/${target}/binpkgs/${INDEX_NAME}`);
    const chunks: Buffer[] = [];
    for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks).toString("utf8");
  } catch (error) {
    if (error instanceof CoordinatorError && error.status === 404) return "";
    throw error;
  }
}

/**
 * Fetches one binpkg whole, or says why it is left out: the coordinator does not serve it (a symlink, a
 * file gone meanwhile) or its bytes are not its entry's (being replaced). Without it the step builds
 * that package itself, as it would on one host. Other failures (the coordinator unreachable) throw.
 */
async function fetchBinpkg(client: TransferClient, target: string, pkgdir: string, entry: BinpkgEntry): Promise<string | null> {
  const file = path.join(pkgdir, ...entry.path.split("/"));
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.binpkgbot-mirror-${randomBytes(6).toString("hex")}.tmp`);
  try {
    const res = await client.request("GET", `/fleet/${target}/binpkgs/${entry.path.split("/").map(encodeURIComponent).join("/")}`);
    const hashes: [string, Hash][] = Object.entries(ENTRY_HASHES).filter(([key]) => entry.fields[key]).map(([key, algorithm]) => [key, createHash(algorithm)]);
    let size = 0;
    const handle = await open(temporary, "wx", 0o644);
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        for (const [, hash] of hashes) hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    const mismatch = checkReceivedBytes(entry.fields, size, Object.fromEntries(hashes.map(([key, hash]) => [key, hash.digest("hex")])));
    if (mismatch !== null) {
      await rm(temporary, { force: true });
      return mismatch.replace("; nothing was added", "");
    }
    const mtime = Number(entry.fields.MTIME);
    if (Number.isInteger(mtime) && mtime > 0) await utimes(temporary, mtime, mtime);
    await rename(temporary, file);
    await syncDirectory(path.dirname(file));
    return null;
  } catch (error) {
    await rm(temporary, { force: true });
    if (error instanceof CoordinatorError && error.status === 404) return "the coordinator does not serve it";
    throw new Error(`target ${target}: cannot copy ${entry.path} from the coordinator's PKGDIR: ${(error as Error).message}`, { cause: error });
  }
}
