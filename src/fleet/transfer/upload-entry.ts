// Pure: an uploaded binpkg's Packages entry, checked against the bytes that arrived, and merged into
// the target's index the way bintree.py `inject` → `_inject_file` does: an entry with the same PATH
// is replaced, the header's TIMESTAMP and PACKAGES follow (getbinpkg.py PackageIndex.write).
import { renderPrunedIndex } from "../../binhost/apply-prune.js";
import { parsePackagesIndex, toBinpkgEntry, type BinpkgEntry, type PackagesIndex } from "../../portage/packages-index.js";
import { buildIdOfPath } from "./transfer-routes.js";

/** Index hash keys and their node:crypto names. bintree.py writes MD5 and SHA1 (`_pkgindex_hashes`). */
export const ENTRY_HASHES: Readonly<Record<string, string>> = { MD5: "md5", SHA1: "sha1", SHA256: "sha256", SHA512: "sha512", BLAKE2B: "blake2b512" };
export const MAX_ENTRY_BYTES = 64 * 1024;

export type EntryResult = { ok: true; fields: Record<string, string> } | { ok: false; message: string };

/** The entry's text (`KEY: value` lines, one block) for the binpkg uploaded to `path`. */
export function parseUploadEntry(text: string, path: string): EntryResult {
  // An empty first line stands for an empty header, so the text is read as one package block.
  const parsed = parsePackagesIndex(`\n${text.replace(/\n+$/, "")}\n`);
  const issue = parsed.issues[0];
  if (issue) return { ok: false, message: `the Packages entry for ${path}, line ${issue.line - 1}: ${issue.message}` };
  if (parsed.packages.length !== 1) return { ok: false, message: `the upload of ${path} carries ${parsed.packages.length} Packages entries (with a CPV), not one` };
  const fields = parsed.packages[0]?.fields ?? {};
  if (fields.PATH !== path) return { ok: false, message: `the Packages entry says PATH '${fields.PATH ?? ""}', but the upload is for ${path}: send the entry of that file` };
  if (!/^[0-9]+$/.test(fields.SIZE ?? "")) return { ok: false, message: `the Packages entry for ${path} has no SIZE: it must list the file's size and hashes (MD5, SHA1) as Portage writes them` };
  if (!Object.keys(ENTRY_HASHES).some((key) => fields[key])) {
    return { ok: false, message: `the Packages entry for ${path} has no hash (${Object.keys(ENTRY_HASHES).join(", ")}): the bytes could not be checked` };
  }
  const id = buildIdOfPath(path);
  if (id !== null && fields.BUILD_ID !== String(id)) {
    return { ok: false, message: `the Packages entry for ${path} has BUILD_ID '${fields.BUILD_ID ?? ""}', the file name ${id}` };
  }
  return { ok: true, fields };
}

/** Why the received bytes are not the entry's file (SIZE, then each hash it lists), or null. */
export function checkReceivedBytes(fields: Record<string, string>, size: number, digests: Readonly<Record<string, string>>): string | null {
  if (String(size) !== fields.SIZE) return `${fields.PATH}: received ${size} bytes, the entry's SIZE is ${fields.SIZE}: the upload was cut off or the entry is not this file's; nothing was added`;
  for (const key of Object.keys(ENTRY_HASHES)) {
    const expected = fields[key];
    if (expected && expected.toLowerCase() !== digests[key]) {
      return `${fields.PATH}: the received bytes' ${key} is ${digests[key]}, the entry says ${expected}: the file was changed on the way or the entry is stale; nothing was added`;
    }
  }
  return null;
}

/**
 * The first BUILD_ID to try when an upload's own name is taken: one after the highest that the
 * directory or the index knows for this package, as bintree.py `_allocate_filename_multi` starts
 * from `_max_build_id` (the caller then claims names by exclusive create, as it does).
 */
export function nextBuildId(path: string, cpv: string, namesInDir: readonly string[], index: PackagesIndex): number {
  const stem = (name: string): string => name.replace(/-[0-9]+\.(gpkg\.tar|xpak)$/, "");
  const own = stem(path.split("/").at(-1) ?? "");
  const inDir = namesInDir.flatMap((name) => {
    const match = /^(.*)-([0-9]+)\.(gpkg\.tar|xpak)$/.exec(name);
    return match?.[1] === own ? [Number(match[2])] : [];
  });
  const indexed = index.packages.filter((entry) => entry.cpv === cpv).map((entry) => entry.buildId ?? 0);
  return Math.max(0, ...inDir, ...indexed) + 1;
}

/**
 * An entry of the index for the same package with the same size and hashes: the upload was made
 * before (a worker retrying after a lost answer), and is not added a second time under another BUILD_ID.
 */
export function findSameUpload(index: PackagesIndex, fields: Record<string, string>): string | null {
  const hashes = Object.keys(ENTRY_HASHES).filter((key) => fields[key]);
  const same = index.packages.find((entry) => entry.cpv === fields.CPV && entry.fields.SIZE === fields.SIZE &&
    hashes.every((key) => entry.fields[key]?.toLowerCase() === fields[key]?.toLowerCase()));
  return same?.path ?? null;
}

/** The entry as it goes into the index at `finalPath` (its BUILD_ID follows the file name) with MTIME `mtime`. */
export function placedEntry(fields: Record<string, string>, finalPath: string, mtime: number): Record<string, string> {
  const id = buildIdOfPath(finalPath);
  return { ...fields, PATH: finalPath, MTIME: String(mtime), ...(id === null ? {} : { BUILD_ID: String(id) }) };
}

/** The index text with `fields` added; entries for the same PATH are replaced (bintree.py `_inject_file`). */
export function renderMergedIndex(index: PackagesIndex, fields: Record<string, string>, now: Date): string {
  const kept: BinpkgEntry[] = index.packages.filter((entry) => entry.fields.PATH !== fields.PATH && entry.path !== fields.PATH);
  const added = toBinpkgEntry(fields, index.header);
  const header = { VERSION: "0", ...index.header };
  return renderPrunedIndex({ ...index, header }, [...kept, added], now);
}
