// Reads PKGDIR's Packages index, to tell which binpkgs a step added.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { diffPackagesIndex, parsePackagesIndex, type BinpkgEntry } from "../portage/packages-index.js";

export type IndexSnapshot = ReturnType<typeof parsePackagesIndex>;

export async function readPackagesIndex(pkgdir: string): Promise<IndexSnapshot> {
  const text = await readFile(path.join(pkgdir, "Packages"), "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  return parsePackagesIndex(text);
}

export function addedBinpkgs(before: IndexSnapshot, after: IndexSnapshot): BinpkgEntry[] {
  return diffPackagesIndex(before, after);
}
