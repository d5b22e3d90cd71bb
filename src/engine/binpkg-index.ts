// Reads PKGDIR's Packages index, to tell which binpkgs a step added.
import { readPackagesIndexFile } from "../binhost/pkgdir-index.js";
import { binpkgKey, diffPackagesIndex, parsePackagesIndex, type BinpkgEntry, type PackagesIndex } from "../portage/packages-index.js";

/** The index, empty where PKGDIR has none yet (before the first binpkg). */
export async function readPackagesIndex(pkgdir: string): Promise<PackagesIndex> {
  return (await readPackagesIndexFile(pkgdir)) ?? parsePackagesIndex("");
}

export function addedBinpkgs(before: PackagesIndex, after: PackagesIndex): BinpkgEntry[] {
  return diffPackagesIndex(before, after);
}

/**
 * Which binpkgs each step of a run added. A step's own index before and after also shows what steps
 * running beside it added meanwhile; an entry goes to the first step that ends after it appeared and
 * never to a second one. The index does not say which container wrote an entry, so with steps side
 * by side an entry may go to a neighbour that ended first; with `jobs: 1` each step gets exactly its own.
 */
export class PkgdirClaims {
  private readonly claimed = new Set<string>();

  claim(before: PackagesIndex, after: PackagesIndex): BinpkgEntry[] {
    const added = addedBinpkgs(before, after).filter((entry) => !this.claimed.has(binpkgKey(entry)));
    for (const entry of added) this.claimed.add(binpkgKey(entry));
    return added;
  }
}
