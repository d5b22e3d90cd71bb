// Where a PKGDIR's releases live. Pure: paths and names only. Each release is a directory named by its
// number, holding a frozen PKGDIR (Packages and the binpkgs), with `N.json` beside it, written last:
// a release directory without its metadata file is unfinished and never listed or served. The ebuild
// repository each release was built from is an archive under `repository/`, named by the repository's
// revision, so that releases built from one revision share one file.
import { createHash } from "node:crypto";
import path from "node:path";

export interface ReleasesLayout {
  dir: string;
  /** The symlink to the current release, replaced in one rename. */
  current: string;
  /** Written before a publish or a switch changes anything; lets the next start finish or undo it. */
  journal: string;
  /** Tags and pins (refs.json), replaced whole. */
  refs: string;
  /** The repository archives (repository-archive.ts), shared by the releases that name them. */
  repositoryDir: string;
}

/** The default: beside PKGDIR, so that snapshots and hard links stay on its filesystem. */
export function defaultReleasesDir(pkgdir: string): string {
  return `${pkgdir.replace(/\/+$/, "")}.releases`;
}

export function releasesLayout(dir: string): ReleasesLayout {
  return { dir, current: path.join(dir, "current"), journal: path.join(dir, "journal.json"), refs: path.join(dir, "refs.json"), repositoryDir: path.join(dir, "repository") };
}

export function releasePath(layout: ReleasesLayout, number: number): string {
  return path.join(layout.dir, String(number));
}

export function releaseMetaFile(layout: ReleasesLayout, number: number): string {
  return path.join(layout.dir, `${number}.json`);
}

/** Relative, so that the releases directory can move as a whole. */
export function currentLinkTarget(number: number): string {
  return String(number);
}

/** The number a directory or metadata name stands for, or null for anything else. */
export function parseReleaseName(name: string): { number: number; meta: boolean } | null {
  const match = /^([1-9][0-9]{0,8})(\.json)?$/.exec(name);
  return match ? { number: Number(match[1]), meta: match[2] !== undefined } : null;
}

/** Tag names become URL path segments (/tags/NAME/) and keys in refs.json. */
export function checkTagName(name: string): string | null {
  if (/^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(name)) return null;
  return `tag '${name}' is not usable: start with a letter, then letters, digits, '.', '_' or '-', at most 64 characters (e.g. prod)`;
}

/**
 * The archive name of a repository revision (src/state/read-inputs.ts readRepoRevision): the same
 * revision, the same file. Without a revision nothing says two trees are the same: one per release.
 */
export function repositoryArchiveName(revision: string | null, number: number): string {
  if (revision === null) return `release-${number}.zip`;
  return `${createHash("sha256").update(revision).digest("hex").slice(0, 32)}.zip`;
}
