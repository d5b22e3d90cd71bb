// What `binpkgbot packages` shows: each binpkg of the index with its signature state (read from
// the GPKG's member names, never extracting it), and what is wrong between index and files.
import path from "node:path";
import type { BinpkgEntry } from "../portage/packages-index.js";
import { describeGpkgMembers, type SignatureState } from "./gpkg-signature.js";
import { findPkgdirProblems, matchPkgdir, type PkgdirFile, type PkgdirProblem } from "./pkgdir-inventory.js";
import { readTarMembers } from "./read-tar-members.js";

export type ListedBinpkg = {
  cpv: string;
  buildId: number | null;
  use: string[];
  /** The file's size on disk, or the index's SIZE when the file is missing. */
  size: number | null;
  /** BUILD_TIME, Unix seconds. */
  buildTime: number | null;
  path: string;
  signature: SignatureState;
};

export type PkgdirListing = {
  /** Whether PKGDIR has a Packages index at all. */
  hasIndex: boolean;
  packages: ListedBinpkg[];
  problems: PkgdirProblem[];
};

export async function listPkgdir(
  pkgdir: string,
  index: { packages: readonly BinpkgEntry[] } | null,
  files: readonly PkgdirFile[],
): Promise<PkgdirListing> {
  const inventory = matchPkgdir(index?.packages ?? [], files);
  const problems = findPkgdirProblems(inventory);
  const packages: ListedBinpkg[] = [];
  for (const { entry, file } of inventory.indexed) {
    const signature = await readSignatureState(pkgdir, file, problems);
    packages.push({
      cpv: entry.cpv, buildId: entry.buildId ?? null, use: entry.use, size: file?.size ?? entry.size ?? null,
      buildTime: entry.buildTime ?? null, path: entry.path, signature,
    });
  }
  return { hasIndex: index !== null, packages, problems };
}

async function readSignatureState(pkgdir: string, file: PkgdirFile | undefined, problems: PkgdirProblem[]): Promise<SignatureState> {
  if (file === undefined || file.size === 0) return "unknown";
  if (!file.path.endsWith(".gpkg.tar")) return "not-gpkg";
  try {
    const members = await readTarMembers(path.join(pkgdir, ...file.path.split("/")));
    const layout = describeGpkgMembers(members.map((member) => member.name));
    for (const message of layout.problems) problems.push({ kind: "bad-gpkg", path: file.path, message });
    return layout.state;
  } catch (error) {
    problems.push({ kind: "bad-gpkg", path: file.path, message: (error as Error).message });
    return "unknown";
  }
}
