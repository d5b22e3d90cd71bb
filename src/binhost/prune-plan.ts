// Pure: which binpkgs a prune removes from PKGDIR, and why. Nothing here reads the disk or the
// clock: the index, the files, the repository's versions and the time come in as arguments.
//
// Unlike eclean-pkg (gentoolkit), which judges against the packages installed where it runs, this
// keeps the newest builds of every USE variant: a binhost serves clients with different USE.
import type { BinpkgEntry } from "../portage/packages-index.js";
import { matchPkgdir, normalisePath, type PkgdirFile } from "./pkgdir-inventory.js";

export type PruneReason =
  /** An older build of a (CPV, USE) variant beyond the newest `keep`. */
  | "old-instance"
  /** The repository no longer has an ebuild of this version. */
  | "version-gone"
  /** A 0-byte file left by an interrupted build. */
  | "placeholder"
  /** A binpkg file that the index does not list. */
  | "orphan"
  /** An index entry whose file is missing: only the entry goes. */
  | "missing-file";

export type PruneRemoval = {
  path: string;
  reason: PruneReason;
  /** Absent for files that no index entry names. */
  cpv?: string | undefined;
  buildId?: number | undefined;
  /** Whether an index entry goes (the index is rewritten without it). */
  inIndex: boolean;
  /** Whether the file is deleted; false when it is missing or a kept entry also names it. */
  deleteFile: boolean;
  /** Bytes freed by deleting the file. */
  bytes: number;
};

/** Something the rules would remove but that stays, and why. */
export type PruneHold = {
  path: string;
  wouldBe: PruneReason;
  because: "protected" | "too-recent";
};

export type PrunePlan = {
  remove: PruneRemoval[];
  /** The index entries that stay, in index order. */
  keep: BinpkgEntry[];
  held: PruneHold[];
  freedBytes: number;
};

export type PruneInput = {
  index: { packages: readonly BinpkgEntry[] };
  /** CPVs (`cat/pn-ver[-rN]`) the repository still has ebuilds for, at least for every package in the index. */
  repoVersions: ReadonlySet<string>;
  /** PATHs that must stay whatever the rules say (what each task added in its last successful run). */
  protectedPaths: ReadonlySet<string>;
  /** Builds kept per (CPV, USE) variant; at least 1. */
  keep: number;
  /** The binpkg files in PKGDIR. Without them the index alone is judged: no placeholder, orphan or missing file. */
  files?: readonly PkgdirFile[] | undefined;
  /** Now, for the age of placeholders and orphans; required with `files`. */
  now?: Date | undefined;
};

/** A placeholder or an unlisted file younger than this may belong to a build still running elsewhere. */
export const ORPHAN_MIN_AGE_MS = 60 * 60 * 1000;

type Candidate = { entry: BinpkgEntry; file: PkgdirFile | undefined; reason: PruneReason };
type Hold = PruneHold["because"] | undefined;

export function planPrune(input: PruneInput): PrunePlan {
  if (!Number.isSafeInteger(input.keep) || input.keep < 1) throw new RangeError(`keep must be a whole number of at least 1, got ${input.keep}`);
  if (input.files !== undefined && input.now === undefined) throw new RangeError("planPrune needs `now` to judge the age of files");
  const protectedPaths = new Set([...input.protectedPaths].map(normalisePath));
  const nowMs = input.now?.getTime();
  const holdFile = (path: string, mtimeMs: number): Hold =>
    protectedPaths.has(path) ? "protected" : nowMs !== undefined && nowMs - mtimeMs < ORPHAN_MIN_AGE_MS ? "too-recent" : undefined;
  const inventory = input.files === undefined
    ? { indexed: input.index.packages.map((entry) => ({ entry, file: undefined })), unindexed: [] }
    : matchPkgdir(input.index.packages, input.files);

  const held: PruneHold[] = [];
  const removals: PruneRemoval[] = [];
  const removedEntries = new Set<BinpkgEntry>();
  for (const { entry, file, reason } of findCandidates(inventory.indexed, input)) {
    const path = normalisePath(entry.path);
    // A missing file has nothing to protect; its entry only misleads clients.
    const hold: Hold = reason === "missing-file" ? undefined
      : reason === "placeholder" ? holdFile(path, file?.mtimeMs ?? 0)
      : protectedPaths.has(path) ? "protected" : undefined;
    if (hold !== undefined) {
      held.push({ path, wouldBe: reason, because: hold });
      continue;
    }
    removedEntries.add(entry);
    removals.push({ path, reason, cpv: entry.cpv, buildId: entry.buildId, inIndex: true, deleteFile: file !== undefined || input.files === undefined, bytes: file?.size ?? entry.size ?? 0 });
  }
  for (const file of inventory.unindexed) {
    const reason = file.size === 0 ? "placeholder" : "orphan";
    const hold = holdFile(file.path, file.mtimeMs);
    if (hold !== undefined) held.push({ path: file.path, wouldBe: reason, because: hold });
    else removals.push({ path: file.path, reason, inIndex: false, deleteFile: true, bytes: file.size });
  }
  const keep = input.index.packages.filter((entry) => !removedEntries.has(entry));
  return finish(removals, keep, held);
}

/** Index entries the rules would remove: missing files, placeholders, gone versions, then old builds. */
function findCandidates(indexed: readonly { entry: BinpkgEntry; file?: PkgdirFile | undefined }[], input: PruneInput): Candidate[] {
  const candidates: Candidate[] = [];
  const variants = new Map<string, Omit<Candidate, "reason">[]>();
  for (const { entry, file } of indexed) {
    if (input.files !== undefined && file === undefined) candidates.push({ entry, file, reason: "missing-file" });
    else if (file?.size === 0) candidates.push({ entry, file, reason: "placeholder" });
    else if (!input.repoVersions.has(entry.cpv)) candidates.push({ entry, file, reason: "version-gone" });
    else {
      const key = variantKey(entry);
      variants.set(key, [...(variants.get(key) ?? []), { entry, file }]);
    }
  }
  for (const builds of variants.values()) {
    for (const old of builds.sort(newestFirst).slice(input.keep)) candidates.push({ ...old, reason: "old-instance" });
  }
  return candidates;
}

/** Never deletes a file that a kept entry still names (an index listing one PATH twice). */
function finish(removals: PruneRemoval[], keep: BinpkgEntry[], held: PruneHold[]): PrunePlan {
  const keptPaths = new Set(keep.map((entry) => normalisePath(entry.path)));
  const deleted = new Set<string>();
  const remove = removals.map((removal) => {
    const deleteFile = removal.deleteFile && !keptPaths.has(removal.path) && !deleted.has(removal.path);
    if (deleteFile) deleted.add(removal.path);
    return { ...removal, deleteFile, bytes: deleteFile ? removal.bytes : 0 };
  });
  remove.sort((a, b) => compare(a.path, b.path));
  held.sort((a, b) => compare(a.path, b.path));
  return { remove, keep, held, freedBytes: remove.reduce((sum, removal) => sum + removal.bytes, 0) };
}

/** A variant: one version built with one set of enabled USE flags. */
export function variantKey(entry: Pick<BinpkgEntry, "cpv" | "use">): string {
  return `${entry.cpv} [${[...new Set(entry.use)].sort().join(" ")}]`;
}

/** Newest BUILD_TIME first, then highest BUILD_ID; entries without them count as oldest. */
function newestFirst(a: { entry: BinpkgEntry }, b: { entry: BinpkgEntry }): number {
  return (b.entry.buildTime ?? -1) - (a.entry.buildTime ?? -1)
    || (b.entry.buildId ?? -1) - (a.entry.buildId ?? -1)
    || compare(b.entry.path, a.entry.path);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
