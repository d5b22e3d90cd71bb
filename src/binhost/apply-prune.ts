// Carries out a prune plan on PKGDIR. The caller holds the stage lock, so no binpkgbot build
// writes PKGDIR meanwhile (GENTOO.md: Node cannot take Portage's own lockf lock on the index).
//
// The index is replaced first and the files deleted after: a client reading the index meanwhile
// never finds an entry whose file is already gone, and if the deletions are interrupted, what is
// left are unlisted files that the next prune removes.
import { rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { renderPackagesIndex, type BinpkgEntry, type PackagesIndex } from "../portage/packages-index.js";
import { writePackagesIndexFiles } from "./pkgdir-index.js";
import type { PrunePlan } from "./prune-plan.js";

/** A file of the plan could not be deleted; the index no longer lists it. */
export class PruneDeleteError extends Error {
  override readonly name = "PruneDeleteError";
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The index without the removed entries: header and kept blocks as they were, except PACKAGES
 * (their number) and TIMESTAMP (now, in seconds, as bintree.py writes it), which clients compare
 * to tell whether the index changed.
 */
export function renderPrunedIndex(index: PackagesIndex, keep: readonly BinpkgEntry[], now: Date): string {
  const header = { ...index.header, PACKAGES: String(keep.length), TIMESTAMP: String(Math.floor(now.getTime() / 1000)) };
  return renderPackagesIndex({ header, packages: keep });
}

export async function applyPrune(pkgdir: string, index: PackagesIndex, plan: PrunePlan, now: Date): Promise<void> {
  if (plan.remove.some((removal) => removal.inIndex)) {
    await writePackagesIndexFiles(pkgdir, renderPrunedIndex(index, plan.keep, now));
  }
  const emptied = new Set<string>();
  for (const removal of plan.remove) {
    if (!removal.deleteFile) continue;
    const file = path.join(pkgdir, ...removal.path.split("/"));
    try {
      await rm(file, { force: true });
    } catch (error) {
      throw new PruneDeleteError(
        `cannot delete ${file}: ${(error as Error).message}; the index no longer lists it, so run binpkgbot prune again once it can be deleted`,
        file, { cause: error },
      );
    }
    emptied.add(path.dirname(removal.path));
  }
  for (const dir of [...emptied].sort().reverse()) await removeEmptyDirectories(pkgdir, dir);
}

/** Removes `<cat>/<pn>` and then `<cat>` when a prune left them empty; never PKGDIR itself. */
async function removeEmptyDirectories(pkgdir: string, relDir: string): Promise<void> {
  for (let dir = relDir; dir !== "." && dir !== "" && dir !== "/"; dir = path.posix.dirname(dir)) {
    try {
      await rmdir(path.join(pkgdir, ...dir.split("/")));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST" || code === "ENOENT") return;
      throw error;
    }
  }
}
