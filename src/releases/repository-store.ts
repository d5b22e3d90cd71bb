// The releases' repository archives: one per repository revision, made at the first publish of that
// revision and named by later releases of it at no cost; an archive no finished release names goes.
import { lstat, mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { removeFile } from "../io/atomic-file.js";
import { readReleases } from "./read-releases.js";
import { writeRepositoryArchive, type ArchiveDeps } from "./repository-archive.js";
import { repositoryArchiveName, type ReleasesLayout } from "./release-layout.js";

export interface RepositoryInput {
  dir: string;
  /** readRepoRevision's answer; null when it could not be read. */
  revision: string | null;
}

/** The archive of the repository for release `number`: an existing one of the same revision, else a new one. */
export async function storeRepositoryArchive(
  layout: ReleasesLayout, repository: RepositoryInput, number: number, deps: ArchiveDeps,
): Promise<{ name: string; reused: boolean }> {
  const name = repositoryArchiveName(repository.revision, number);
  const file = path.join(layout.repositoryDir, name);
  if (await lstat(file).then((stats) => stats.isFile(), () => false)) return { name, reused: true };
  await mkdir(layout.repositoryDir, { recursive: true });
  await writeRepositoryArchive(repository.dir, file, deps);
  return { name, reused: false };
}

/**
 * Removes the archives (and temporary files) no finished release names. Runs under the stage lock,
 * after retention, an undone publish or a recovery: no publish is making one meanwhile.
 */
export async function removeUnreferencedArchives(layout: ReleasesLayout): Promise<string[]> {
  const names = await readdir(layout.repositoryDir).catch(() => [] as string[]);
  if (names.length === 0) return [];
  const referenced = new Set((await readReleases(layout)).map((release) => release.meta.repositoryArchive));
  const removed = names.filter((name) => !referenced.has(name));
  for (const name of removed) await removeFile(path.join(layout.repositoryDir, name));
  return removed;
}
