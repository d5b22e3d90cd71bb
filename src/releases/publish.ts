// Publishing PKGDIR as a new release, journalled like the stage swap (src/stage/transaction.ts): the
// journal is written before anything changes, the metadata file last before `current` moves, so a
// kill -9 at any point leaves the old or the new release current and the next start finishes or undoes
// it. Any error before the switch (a full disk) removes the half-made release: the old one keeps serving.
// The repository archive is made after the PKGDIR snapshot and before the metadata file names it.
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { PACKAGES_FILE } from "../binhost/pkgdir-index.js";
import { removeFile, writeFileAtomic } from "../io/atomic-file.js";
import { freezePkgdir, removeFrozen, type FreezeDeps } from "./freeze-pkgdir.js";
import { linkCurrent, readCurrentNumber, readReleases, readRefs } from "./read-releases.js";
import type { ArchiveDeps } from "./repository-archive.js";
import { removeUnreferencedArchives, storeRepositoryArchive } from "./repository-store.js";
import { parseReleaseName, releaseMetaFile, releasePath, type ReleasesLayout } from "./release-layout.js";
import { nextReleaseNumber, planRetention, RELEASE_META_VERSION, type Release, type ReleaseMeta, type SnapshotKind } from "./release.js";

export const PUBLISH_CRASH_POINTS = ["journal-written", "snapshot-taken", "repository-stored", "meta-written", "current-linked", "journal-removed"] as const;
export type PublishCrashPoint = (typeof PUBLISH_CRASH_POINTS)[number];

export interface ReleaseDeps extends FreezeDeps, ArchiveDeps {
  now: () => Date;
  /** Test-only: called at each step, so a test can kill the process there. */
  crashPoint?: (name: PublishCrashPoint) => void;
}

export interface PublishInput {
  pkgdir: string;
  repository: string | null;
  /** The ebuild repository, archived with the release; without it the release carries none. */
  repositoryDir?: string | undefined;
  stageGeneration: string;
  run: number | null;
}

interface Journal {
  number: number;
  previous: number | null;
}

/** Publishing failed before the switch; the message names the cause, what still serves and the fix. */
export class PublishError extends Error {
  override readonly name = "PublishError";
}

export async function publishRelease(layout: ReleasesLayout, input: PublishInput, deps: ReleaseDeps): Promise<Release> {
  await recoverReleases(layout, deps);
  await mkdir(layout.dir, { recursive: true });
  const previous = await readCurrentNumber(layout);
  const number = nextReleaseNumber((await readdir(layout.dir)).map((name) => parseReleaseName(name)?.number ?? 0));
  const journal: Journal = { number, previous };
  await writeFileAtomic(layout.journal, JSON.stringify(journal));
  deps.crashPoint?.("journal-written");
  const dir = releasePath(layout, number);
  const undoing = (work: () => Promise<void>): Promise<void> => work().catch(async (error: unknown) => {
    await undoPublish(layout, journal, deps);
    const serving = previous === null ? "no release was made" : `release ${previous} stays current`;
    throw new PublishError(`cannot publish ${input.pkgdir} as release ${number} in ${layout.dir}: ${(error as Error).message}; ${serving}. ${publishFix(error, layout)}, then run binpkgbot publish`, { cause: error });
  });
  let snapshot: SnapshotKind = "hardlinks";
  await undoing(async () => {
    snapshot = await freezePkgdir(input.pkgdir, dir, deps);
  });
  deps.crashPoint?.("snapshot-taken");
  let repositoryArchive: string | null = null;
  const repositoryDir = input.repositoryDir;
  if (repositoryDir !== undefined) {
    await undoing(async () => {
      repositoryArchive = (await storeRepositoryArchive(layout, { dir: repositoryDir, revision: input.repository }, number, deps)).name;
    });
  }
  deps.crashPoint?.("repository-stored");
  const binpkgs = countBinpkgs(await readFile(path.join(dir, PACKAGES_FILE), "utf8").catch(() => ""));
  const meta: ReleaseMeta = {
    version: RELEASE_META_VERSION, number, created: deps.now().toISOString(), snapshot,
    repository: input.repository, repositoryArchive, stageGeneration: input.stageGeneration, run: input.run, binpkgs,
  };
  await undoing(() => writeFileAtomic(releaseMetaFile(layout, number), `${JSON.stringify(meta, null, 2)}\n`));
  deps.crashPoint?.("meta-written");
  await finishPublish(layout, journal, deps);
  return { number, path: dir, meta };
}

/**
 * The entries of a Packages index, one CPV line each (getbinpkg.py readBody): a scan, not a parse,
 * so that a btrfs publish stays flat in the number of binpkgs.
 */
export function countBinpkgs(packages: string): number {
  return packages.match(/^CPV: ?\S/gm)?.length ?? 0;
}

function publishFix(error: unknown, layout: ReleasesLayout): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case "ENOSPC":
    case "EDQUOT":
      return `Free space on the filesystem of ${layout.dir} (or lower releases_keep)`;
    case "EXDEV":
      return "Set releases_dir to a directory on pkgdir's filesystem: hard links cannot cross filesystems";
    default:
      return "Fix the cause";
  }
}

async function finishPublish(layout: ReleasesLayout, journal: Journal, deps: ReleaseDeps): Promise<void> {
  await linkCurrent(layout, journal.number);
  deps.crashPoint?.("current-linked");
  await removeFile(layout.journal);
  deps.crashPoint?.("journal-removed");
}

async function undoPublish(layout: ReleasesLayout, journal: Journal, deps: ReleaseDeps): Promise<void> {
  await removeFile(releaseMetaFile(layout, journal.number));
  await removeFrozen(releasePath(layout, journal.number), deps);
  await removeUnreferencedArchives(layout);
  await removeFile(layout.journal);
}

/**
 * At start, under the stage lock: finishes a publish whose release is complete (its metadata file
 * exists), undoes one that is not, and removes unfinished release directories. Says what it did.
 */
export async function recoverReleases(layout: ReleasesLayout, deps: ReleaseDeps): Promise<string[]> {
  const messages: string[] = [];
  if (!(await readdir(layout.dir).catch(() => null))) return messages;
  const text = await readFile(layout.journal, "utf8").catch(() => null);
  if (text !== null) {
    const journal = JSON.parse(text) as Journal;
    if ((await readReleases(layout)).some((release) => release.number === journal.number)) {
      await finishPublish(layout, journal, deps);
      messages.push(`finished an interrupted publish: release ${journal.number} is current`);
    } else {
      await undoPublish(layout, journal, deps);
      messages.push(`undid an interrupted publish of release ${journal.number}: ${journal.previous === null ? "there is no release yet" : `release ${journal.previous} stays current`}`);
    }
  }
  const finished = new Set((await readReleases(layout)).map((release) => release.number));
  for (const name of await readdir(layout.dir).catch(() => [] as string[])) {
    const parsed = parseReleaseName(name);
    if (parsed === null || parsed.meta || finished.has(parsed.number)) continue;
    await removeFrozen(releasePath(layout, parsed.number), deps);
    messages.push(`removed ${releasePath(layout, parsed.number)}, a release that was never finished`);
  }
  await removeFile(`${layout.current}.binpkgbot-link`);
  await removeUnreferencedArchives(layout);
  return messages;
}

/** Removes one release: its metadata first, so that nothing lists or serves it while its files go. */
export async function removeRelease(layout: ReleasesLayout, number: number, deps: FreezeDeps): Promise<void> {
  await removeFile(releaseMetaFile(layout, number));
  await removeFrozen(releasePath(layout, number), deps);
}

/** releases_keep: removes the releases beyond the newest `keep`, never the current, a pinned or a tagged one. */
export async function applyRetention(layout: ReleasesLayout, keep: number, deps: FreezeDeps): Promise<number[]> {
  const numbers = (await readReleases(layout)).map((release) => release.number);
  const doomed = planRetention(numbers, await readCurrentNumber(layout), await readRefs(layout), keep);
  for (const number of doomed) await removeRelease(layout, number, deps);
  await removeUnreferencedArchives(layout);
  return doomed;
}
