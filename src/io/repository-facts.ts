// Reads what the modifier checks need from the ebuild repository (src/config/modifier-effects.ts): only
// the packages the tasks' modifiers name, never the whole tree, each file and listing bounded. Metadata
// comes from metadata/md5-cache where it has an entry, else from the ebuild itself.
import { opendir, readlink, stat } from "node:fs/promises";
import path from "node:path";
import { checkModifierEffects, namedPackages, type RepoVersion, type RepositoryFacts } from "../config/modifier-effects.js";
import type { Config } from "../config/config.js";
import type { LocatedIssue } from "../config/issues.js";
import type { ConfigFiles } from "../config/includes.js";
import { readPackageVersions } from "../binhost/repo-versions.js";
import { splitCpv } from "../portage/atom-match.js";
import type { PackageAtom } from "../portage/atom.js";
import { parseEbuildAssignments, parseMd5CacheEntry, type EbuildMetadata } from "../portage/ebuild-metadata.js";
import { archOfProfile, parseMaskFile, parseProfilesDesc } from "../portage/profile-files.js";
import { readConfigFile } from "./config-files.js";

/** Packages read at most; a config naming more is judged on the first ones only. */
const MAX_PACKAGES = 1000;
/** Versions of one package read at most. */
const MAX_VERSIONS = 500;
/** Entries of one directory read at most. */
const MAX_ENTRIES = 10_000;
/** Files of a package.mask directory read at most. */
const MAX_MASK_FILES = 100;
/** Bytes of one cache entry, ebuild or profile file read at most. */
const MAX_FILE_BYTES = 1024 * 1024;

/** The modifier warnings of a config, with their positions; none where the repository cannot be read. */
export async function readModifierWarnings(config: Config, files: ConfigFiles): Promise<LocatedIssue[]> {
  const facts = await readRepositoryFacts(config);
  if (facts === null) return [];
  const issues = checkModifierEffects(config.tasks, facts);
  if (issues.length === 0) return [];
  // Positions need the YAML parser, which a run whose config came from the cache has not loaded.
  const { locateIssues } = await import("../config/load.js");
  return locateIssues(files, issues);
}

/** Null when portage_repo is no readable repository (no profiles/ directory): then nothing is judged. */
export async function readRepositoryFacts(config: Pick<Config, "portageRepo" | "etcPortage" | "tasks">): Promise<RepositoryFacts | null> {
  const repo = config.portageRepo;
  if (!(await stat(path.join(repo, "profiles")).catch(() => null))?.isDirectory()) return null;
  const packages = new Map<string, RepoVersion[]>();
  for (const cp of namedPackages(config.tasks).slice(0, MAX_PACKAGES)) packages.set(cp, await readPackage(repo, cp));
  const masks = [...await readMasks(path.join(repo, "profiles", "package.mask")), ...await readMasks(path.join(config.etcPortage, "package.mask"))];
  const repoName = readText(path.join(repo, "profiles", "repo_name"))?.split("\n")[0]?.trim() || undefined;
  return { repo, ...(repoName ? { repoName } : {}), packages, masks, arch: await readArch(repo, config.etcPortage) };
}

async function readPackage(repo: string, cp: string): Promise<RepoVersion[]> {
  const [category = "", pn = ""] = cp.split("/");
  const cpvs = await readPackageVersions(repo, cp).catch(() => [] as string[]);
  const versions: RepoVersion[] = [];
  for (const cpv of cpvs.slice(0, MAX_VERSIONS)) {
    const version = splitCpv(cpv)?.version ?? "";
    const pf = `${pn}-${version}`;
    const metadata = readMetadata(repo, category, pn, pf);
    if (metadata) versions.push({ ...metadata, cpv, version });
  }
  return versions;
}

function readMetadata(repo: string, category: string, pn: string, pf: string): EbuildMetadata | undefined {
  const cached = readText(path.join(repo, "metadata", "md5-cache", category, pf));
  const parsed = cached === undefined ? undefined : parseMd5CacheEntry(cached);
  if (parsed?.ok) return parsed.metadata;
  const ebuild = readText(path.join(repo, category, pn, `${pf}.ebuild`));
  return ebuild === undefined ? undefined : parseEbuildAssignments(ebuild);
}

/** A package.mask file, or a directory of them (man/portage.5); nothing where there is none. */
async function readMasks(location: string): Promise<PackageAtom[]> {
  const names = await listDirectory(location);
  const files = names === null ? [location] : names.filter((name) => !name.startsWith(".") && !name.endsWith("~")).sort().slice(0, MAX_MASK_FILES).map((name) => path.join(location, name));
  return files.flatMap((file) => parseMaskFile(readText(file) ?? ""));
}

/** ARCH of the profile etc_portage's make.profile points to, by the repository's profiles.desc. */
async function readArch(repo: string, etcPortage: string): Promise<RepositoryFacts["arch"]> {
  const link = await readlink(path.join(etcPortage, "make.profile")).catch(() => null);
  const profiles = parseProfilesDesc(readText(path.join(repo, "profiles", "profiles.desc")) ?? "");
  const found = link === null ? undefined : archOfProfile(link, profiles);
  if (found) return { name: found.arch, source: `the ARCH of etc_portage's profile ${found.profile} in ${path.join(repo, "profiles", "profiles.desc")}` };
  const arches = [...new Set(profiles.map((profile) => profile.arch))];
  const only = arches.length === 1 ? arches[0] : undefined;
  return only ? { name: only, source: `the only ARCH in ${path.join(repo, "profiles", "profiles.desc")}, since etc_portage's make.profile names no profile listed there` } : null;
}

/** A regular file's text, or undefined when it is missing, not a regular file or too large. */
function readText(file: string): string | undefined {
  try {
    const bytes = readConfigFile(file, MAX_FILE_BYTES);
    return bytes.length > MAX_FILE_BYTES ? undefined : new TextDecoder().decode(bytes);
  } catch {
    return undefined;
  }
}

/** The names in a directory (at most MAX_ENTRIES); null when it is no readable directory. */
async function listDirectory(directory: string): Promise<string[] | null> {
  const names: string[] = [];
  try {
    for await (const entry of await opendir(directory)) {
      names.push(entry.name);
      if (names.length >= MAX_ENTRIES) break;
    }
  } catch {
    return names.length > 0 ? names : null;
  }
  return names;
}
