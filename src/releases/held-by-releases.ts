// What deleting files from PKGDIR does not free: a release freezes PKGDIR as a btrfs snapshot or as
// hard links (freeze-pkgdir.ts), so a file it holds under the same path, inode, size and modification
// time (a snapshot keeps inode numbers; a hard link is the inode) shares its bytes with the one in
// PKGDIR, and they stay on disk until that release is dropped.
import { lstat } from "node:fs/promises";
import path from "node:path";
import { readReleases } from "./read-releases.js";
import type { ReleasesLayout } from "./release-layout.js";

export interface HeldByReleases {
  bytes: number;
  /** The releases holding them, ascending. */
  releases: number[];
}

/** Of `files` (relative to PKGDIR, with the bytes deleting each would free), those the releases hold too. */
export async function findHeldByReleases(pkgdir: string, layout: ReleasesLayout, files: readonly { path: string; bytes: number }[]): Promise<HeldByReleases> {
  if (files.length === 0) return { bytes: 0, releases: [] };
  const releases = await readReleases(layout);
  let bytes = 0;
  const holding = new Set<number>();
  for (const file of files) {
    const own = await lstat(path.join(pkgdir, file.path)).catch(() => null);
    if (own === null) continue;
    let held = false;
    for (const release of releases) {
      const frozen = await lstat(path.join(release.path, file.path)).catch(() => null);
      if (frozen?.isFile() && frozen.ino === own.ino && frozen.size === own.size && frozen.mtimeMs === own.mtimeMs) {
        held = true;
        holding.add(release.number);
      }
    }
    if (held) bytes += file.bytes;
  }
  return { bytes, releases: [...holding].sort((a, b) => a - b) };
}
