// PKGDIR's Packages index on disk: read it, and replace it (and Packages.gz) atomically.
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { syncDirectory, writeFileAtomic } from "../io/atomic-file.js";
import { parsePackagesIndex, type PackagesIndex } from "../portage/packages-index.js";

export const PACKAGES_FILE = "Packages";
export const PACKAGES_GZ_FILE = "Packages.gz";

/** Packages could not be read or written. */
export class PackagesIndexFileError extends Error {
  override readonly name = "PackagesIndexFileError";
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The parsed index, or null when PKGDIR has no Packages file. */
export async function readPackagesIndexFile(pkgdir: string): Promise<PackagesIndex | null> {
  const file = path.join(pkgdir, PACKAGES_FILE);
  try {
    return parsePackagesIndex(await readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new PackagesIndexFileError(`cannot read ${file}: ${(error as Error).message}`, file, { cause: error });
  }
}

/**
 * Replaces Packages with `text`, and Packages.gz too if there is one, each through a temporary file
 * renamed into place: a client downloading meanwhile gets the old index or the new one, never half.
 */
export async function writePackagesIndexFiles(pkgdir: string, text: string): Promise<void> {
  const gzFile = path.join(pkgdir, PACKAGES_GZ_FILE);
  if (await exists(gzFile)) await replaceFile(gzFile, await promisify(gzip)(Buffer.from(text, "utf8")));
  await replaceFile(path.join(pkgdir, PACKAGES_FILE), Buffer.from(text, "utf8"));
  await syncDirectory(pkgdir);
}

async function replaceFile(file: string, data: Buffer): Promise<void> {
  await writeFileAtomic(file, data).catch((error: unknown) => {
    throw new PackagesIndexFileError(`cannot write ${file}: ${(error as Error).message}; check that PKGDIR is writable and has free space`, file, { cause: error });
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

