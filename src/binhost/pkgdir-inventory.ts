// Pure: PKGDIR's index against its files. Which entries have no file, which files no entry, which
// files are 0-byte placeholders (bintree.py _allocate_filename_multi creates the name with mode "x"
// before the package is written, so a build killed while packaging leaves one behind).
import type { BinpkgEntry } from "../portage/packages-index.js";

export type PkgdirFile = {
  /** Relative to PKGDIR, with '/' separators, as PATH in the index. */
  path: string;
  size: number;
  mtimeMs: number;
};

export type PkgdirProblem =
  | { kind: "missing-file"; path: string; cpv: string; buildId?: number | undefined }
  | { kind: "not-in-index"; path: string; size: number; mtimeMs: number }
  | { kind: "placeholder"; path: string; inIndex: boolean; mtimeMs: number }
  | { kind: "size-mismatch"; path: string; cpv: string; indexSize: number; fileSize: number }
  /** A GPKG that cannot be read, or whose members are not what gpkg.py writes. */
  | { kind: "bad-gpkg"; path: string; message: string };

export type PkgdirInventory = {
  /** Each index entry with its file, in index order; `file` is absent when PATH does not exist. */
  indexed: { entry: BinpkgEntry; file?: PkgdirFile | undefined }[];
  /** Binpkg files that no index entry names. */
  unindexed: PkgdirFile[];
};

export function matchPkgdir(entries: readonly BinpkgEntry[], files: readonly PkgdirFile[]): PkgdirInventory {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const named = new Set(entries.map((entry) => normalisePath(entry.path)));
  return {
    indexed: entries.map((entry) => ({ entry, file: byPath.get(normalisePath(entry.path)) })),
    unindexed: files.filter((file) => !named.has(file.path)),
  };
}

export function findPkgdirProblems(inventory: PkgdirInventory): PkgdirProblem[] {
  const problems: PkgdirProblem[] = [];
  for (const { entry, file } of inventory.indexed) {
    if (file === undefined) problems.push({ kind: "missing-file", path: entry.path, cpv: entry.cpv, buildId: entry.buildId });
    else if (file.size === 0) problems.push({ kind: "placeholder", path: file.path, inIndex: true, mtimeMs: file.mtimeMs });
    else if (entry.size !== undefined && entry.size !== file.size) {
      problems.push({ kind: "size-mismatch", path: file.path, cpv: entry.cpv, indexSize: entry.size, fileSize: file.size });
    }
  }
  for (const file of inventory.unindexed) {
    problems.push(file.size === 0
      ? { kind: "placeholder", path: file.path, inIndex: false, mtimeMs: file.mtimeMs }
      : { kind: "not-in-index", path: file.path, size: file.size, mtimeMs: file.mtimeMs });
  }
  return problems;
}

/** One line per problem, each with what to do about it. */
export function describePkgdirProblem(problem: PkgdirProblem): string {
  switch (problem.kind) {
    case "missing-file":
      return `${problem.path}: in the index (${problem.cpv}) but the file is missing; binpkgbot prune drops the entry`;
    case "not-in-index":
      return `${problem.path}: a binpkg that the index does not list; clients cannot see it (binpkgbot prune removes it once it is an hour old)`;
    case "placeholder":
      return `${problem.path}: a 0-byte placeholder left by an interrupted build${problem.inIndex ? ", listed in the index" : ""}; binpkgbot prune removes it once it is an hour old`;
    case "size-mismatch":
      return `${problem.path}: the index says ${problem.indexSize} bytes, the file has ${problem.fileSize}; clients will reject it: rebuild the index with emaint binhost --fix in a container of the stage`;
    case "bad-gpkg":
      return `${problem.path}: ${problem.message}; rebuild the package (binpkgbot run --force) or remove it`;
  }
}

/** PATH as the scan spells it: no leading './' or '/', no doubled separators. */
export function normalisePath(indexPath: string): string {
  return indexPath.split("/").filter((part) => part !== "" && part !== ".").join("/");
}
