// The binpkg files under PKGDIR, as found on disk (the index may say otherwise: see pkgdir-inventory.ts).
import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import type { PkgdirFile } from "./pkgdir-inventory.js";

/** GPKG (`.gpkg.tar`) and XPAK (`.tbz2`, `.xpak`) binpkgs: the names Portage gives them in PKGDIR. */
export function isBinpkgName(name: string): boolean {
  return name.endsWith(".gpkg.tar") || name.endsWith(".tbz2") || name.endsWith(".xpak");
}

/**
 * Every regular binpkg file below PKGDIR. Hidden names (Portage's lock files, binpkgbot's temporary
 * files) and temporary names (`.partial`, gpkg.py's `<name>.<pid><random>`) are not binpkgs; symlinks
 * are not followed.
 */
export async function scanPkgdirFiles(pkgdir: string): Promise<PkgdirFile[]> {
  const found: PkgdirFile[] = [];
  await walk(pkgdir, "", found);
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function walk(pkgdir: string, relDir: string, found: PkgdirFile[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(path.join(pkgdir, relDir), { withFileTypes: true });
  } catch (error) {
    // A directory removed meanwhile is no error; a PKGDIR that is missing is.
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && relDir !== "") return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.name.startsWith(".")) continue;
    const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
    if (entry.isDirectory()) await walk(pkgdir, rel, found);
    else if (entry.isFile() && isBinpkgName(entry.name)) {
      const stats = await lstat(path.join(pkgdir, rel)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return undefined;
        throw error;
      });
      if (stats) found.push({ path: rel, size: stats.size, mtimeMs: stats.mtimeMs });
    }
  }
}
