// Which versions the ebuild repository still has, for the packages a PKGDIR holds: the names of
// `<repo>/<cat>/<pn>/<pn>-<ver>.ebuild` (PMS 4.3). Only the index's packages are read, so a prune
// costs a few directory listings, not a walk of the whole tree.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { BinpkgEntry } from "../portage/packages-index.js";
import { splitCpv } from "../portage/atom-match.js";

export type RepoVersions = {
  /** CPVs with an ebuild, plus those of entries from other repositories (which this one cannot judge). */
  versions: Set<string>;
  /** The repository's name (profiles/repo_name), if it has one. */
  repoName: string | undefined;
  /** Other repositories named by index entries: their binpkgs are never judged as gone. */
  otherRepos: string[];
};

/** The ebuild repository cannot be read, so no version can be judged as gone. */
export class RepositoryReadError extends Error {
  override readonly name = "RepositoryReadError";
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export async function readRepoVersions(repo: string, entries: readonly BinpkgEntry[]): Promise<RepoVersions> {
  await stat(path.join(repo, "profiles")).catch((error: unknown) => {
    throw new RepositoryReadError(
      `${repo} is not an ebuild repository (no profiles/ directory): check portage_repo in the config, or sync it first`,
      repo, { cause: error },
    );
  });
  const repoName = await readRepoName(repo);
  const versions = new Set<string>();
  const otherRepos = new Set<string>();
  const packages = new Set<string>();
  for (const entry of entries) {
    if (repoName !== undefined && entry.repo !== undefined && entry.repo !== repoName) {
      otherRepos.add(entry.repo);
      versions.add(entry.cpv);
    } else {
      const cp = cpOf(entry.cpv);
      if (cp !== undefined) packages.add(cp);
    }
  }
  for (const cp of packages) for (const cpv of await readPackageVersions(repo, cp)) versions.add(cpv);
  return { versions, repoName, otherRepos: [...otherRepos].sort() };
}

/** `cat/pn` of `cat/pn-ver[-rN]`; undefined when the CPV has no valid version. */
export function cpOf(cpv: string): string | undefined {
  return splitCpv(cpv)?.cp;
}

/** The CPVs of cat/pn's ebuilds; none where the package has no directory. */
export async function readPackageVersions(repo: string, cp: string): Promise<string[]> {
  const dir = path.join(repo, ...cp.split("/"));
  const pn = cp.slice(cp.indexOf("/") + 1);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    throw new RepositoryReadError(`cannot list ${dir}: ${(error as Error).message}`, dir, { cause: error });
  }
  const category = cp.slice(0, cp.indexOf("/"));
  return names
    .filter((name) => name.endsWith(".ebuild") && name.startsWith(`${pn}-`))
    .map((name) => `${category}/${name.slice(0, -".ebuild".length)}`)
    .filter((cpv) => cpOf(cpv) === cp);
}

async function readRepoName(repo: string): Promise<string | undefined> {
  try {
    const name = (await readFile(path.join(repo, "profiles", "repo_name"), "utf8")).split("\n")[0]?.trim();
    return name === "" ? undefined : name;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new RepositoryReadError(`cannot read ${path.join(repo, "profiles", "repo_name")}: ${(error as Error).message}`, repo, { cause: error });
  }
}
