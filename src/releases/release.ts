// What a release is and the decisions about releases: when a run is published, which releases stay.
// Pure: the clock, the run's result and the releases on disk come in as arguments.

/** The format version of N.json; readers refuse a newer one rather than guess. */
export const RELEASE_META_VERSION = 1;

/** How the files were frozen: a read-only btrfs snapshot, or a tree of hard links (never a copy). */
export type SnapshotKind = "btrfs" | "hardlinks";

export interface ReleaseMeta {
  version: typeof RELEASE_META_VERSION;
  number: number;
  created: string;
  snapshot: SnapshotKind;
  /**
   * The ebuild repository the binpkgs were built from, as src/state/read-inputs.ts readRepoRevision
   * names it: `git:<HEAD>`, `timestamp:<metadata/timestamp.chk>` or `tree:<sha256>` of names, sizes
   * and mtimes; null when it could not be read.
   */
  repository: string | null;
  /**
   * The repository as it was, an archive under the releases' `repository/` directory (release-layout.ts
   * repositoryArchiveName); null for a release published without one (or before releases had one).
   */
  repositoryArchive: string | null;
  /** The stage generation the run used (gen-N, "plain" or "missing"). */
  stageGeneration: string;
  /** The run's id in the state database; null for `binpkgbot publish` outside a run. */
  run: number | null;
  /** Binpkgs listed in the release's Packages. */
  binpkgs: number;
}

export interface Release {
  number: number;
  path: string;
  meta: ReleaseMeta;
}

export interface Refs {
  tags: Record<string, number>;
  /** Releases `releases keep N` pinned: retention never removes them. */
  pins: number[];
}

export const EMPTY_REFS: Refs = { tags: {}, pins: [] };

/** publish.when: success (also `publish: auto`), always, or covered (no declared server would compile). */
export type PublishWhen = "success" | "always" | "covered";

export type RunResultForPublish = "succeeded" | "failed" | "interrupted";

/** Whether a finished run is published, before any coverage check; says why not. */
export function decidePublish(when: PublishWhen | null, result: RunResultForPublish): { publish: boolean; reason: string } {
  if (when === null) return { publish: false, reason: "publish is not configured" };
  if (when === "always") return { publish: true, reason: "publish: always" };
  if (result !== "succeeded") return { publish: false, reason: `the run ${result}: only publish.when: always publishes it` };
  return { publish: true, reason: `the run succeeded (publish.when: ${when})` };
}

export function nextReleaseNumber(numbers: readonly number[]): number {
  return numbers.reduce((highest, number) => Math.max(highest, number), 0) + 1;
}

/**
 * The releases retention removes: all but the newest `keep`, never the current one, a pinned one or
 * a tagged one. Oldest first.
 */
export function planRetention(numbers: readonly number[], current: number | null, refs: Refs, keep: number): number[] {
  const held = new Set([...refs.pins, ...Object.values(refs.tags), ...(current === null ? [] : [current])]);
  const sorted = [...numbers].sort((a, b) => a - b);
  const newest = new Set(sorted.slice(Math.max(0, sorted.length - keep)));
  return sorted.filter((number) => !newest.has(number) && !held.has(number));
}

/** N, a tag name, or "current"; null when nothing matches. */
export function resolveReleaseRef(ref: string, numbers: readonly number[], current: number | null, refs: Refs): number | null {
  if (ref === "current") return current;
  if (/^[0-9]+$/.test(ref)) return numbers.includes(Number(ref)) ? Number(ref) : null;
  const tagged = refs.tags[ref];
  return tagged !== undefined && numbers.includes(tagged) ? tagged : null;
}

/** Checks the parsed N.json; null for a file of another shape or a newer format. */
export function parseReleaseMeta(value: unknown, number: number): ReleaseMeta | null {
  if (typeof value !== "object" || value === null) return null;
  const meta = value as Partial<ReleaseMeta>;
  if (meta.version !== RELEASE_META_VERSION || meta.number !== number || typeof meta.created !== "string") return null;
  if (meta.snapshot !== "btrfs" && meta.snapshot !== "hardlinks") return null;
  const archive = meta.repositoryArchive;
  return { ...meta, repositoryArchive: typeof archive === "string" && /^[A-Za-z0-9-]+\.zip$/.test(archive) ? archive : null } as ReleaseMeta;
}

export function parseRefs(value: unknown): Refs {
  if (typeof value !== "object" || value === null) return EMPTY_REFS;
  const raw = value as { tags?: unknown; pins?: unknown };
  const tags: Record<string, number> = {};
  if (typeof raw.tags === "object" && raw.tags !== null) {
    for (const [name, number] of Object.entries(raw.tags)) if (Number.isInteger(number)) tags[name] = number as number;
  }
  const pins = Array.isArray(raw.pins) ? raw.pins.filter((pin): pin is number => Number.isInteger(pin)) : [];
  return { tags, pins };
}
