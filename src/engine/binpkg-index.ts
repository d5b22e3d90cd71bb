// Reads PKGDIR's Packages index, to tell which binpkgs a step added.
import { readPackagesIndexFile } from "../binhost/pkgdir-index.js";
import { diffPackagesIndex, parsePackagesIndex, type BinpkgEntry, type PackagesIndex } from "../portage/packages-index.js";

/** The index, empty where PKGDIR has none yet (before the first binpkg). */
export async function readPackagesIndex(pkgdir: string): Promise<PackagesIndex> {
  return (await readPackagesIndexFile(pkgdir)) ?? parsePackagesIndex("");
}

export function addedBinpkgs(before: PackagesIndex, after: PackagesIndex): BinpkgEntry[] {
  return diffPackagesIndex(before, after);
}
