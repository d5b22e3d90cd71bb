// Freezes PKGDIR into a release without copying a byte: a read-only btrfs snapshot when PKGDIR is a
// subvolume (btrfs-subvolume(8) snapshot -r: O(1), shares every extent), else a tree of hard links
// (one link(2) per file). Hard links are safe because Portage never rewrites a binpkg or Packages in
// place: it writes a new file and renames it over the old name (bintree.py, util/__init__.py
// atomic_ofstream), so the release keeps the old inode.
import { link as fsLink, lstat, mkdir, readdir, readlink, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { createSnapshot, deleteSubvolume } from "../container/btrfs.js";
import { isSubvolume } from "../container/filesystem.js";
import type { Exec } from "../exec/exec.js";
import { TEMPORARY_NAME } from "../io/atomic-file.js";
import type { SnapshotKind } from "./release.js";

export interface FreezeDeps {
  exec: Exec;
  /** Whether a path is a btrfs subvolume; default src/container/filesystem.ts isSubvolume. */
  isSubvolume?: (dir: string) => Promise<boolean>;
  /** link(2); tests give one that fails as a full disk would. */
  link?: (existing: string, created: string) => Promise<void>;
}


export async function freezePkgdir(pkgdir: string, dest: string, deps: FreezeDeps): Promise<SnapshotKind> {
  if (await (deps.isSubvolume ?? isSubvolume)(pkgdir)) {
    await createSnapshot(deps.exec, pkgdir, dest, { readonly: true });
    return "btrfs";
  }
  await mkdir(dest);
  await linkTree(pkgdir, dest, deps.link ?? fsLink);
  return "hardlinks";
}

async function linkTree(from: string, to: string, link: (existing: string, created: string) => Promise<void>): Promise<void> {
  for (const entry of await readdir(from, { withFileTypes: true })) {
    // Our own temporary files (src/io/atomic-file.ts) are never part of a release.
    if (TEMPORARY_NAME.test(entry.name)) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      await mkdir(target);
      await linkTree(source, target, link);
    } else if (entry.isFile()) {
      await link(source, target);
    } else if (entry.isSymbolicLink()) {
      await symlink(await readlink(source), target);
    }
  }
}

/** Removes a release's files, finished or not. */
export async function removeFrozen(dir: string, deps: FreezeDeps): Promise<void> {
  if (!(await lstat(dir).catch(() => null))) return;
  if (await (deps.isSubvolume ?? isSubvolume)(dir)) await deleteSubvolume(deps.exec, dir);
  else await rm(dir, { recursive: true, force: true });
}
