// Modifiers that can have no effect, judged against the ebuild repository: a USE flag no matching
// version has in IUSE (Portage ignores it with a warning), an atom that matches no package, keywords
// accepted for a package that is stable anyway, an unmask of something nothing masks. Warnings only:
// the repository changes with every sync. Pure: the repository's facts come in (src/io/repository-facts.ts).
import { atomCp, atomMatches } from "../portage/atom-match.js";
import { parseAtom, type PackageAtom } from "../portage/atom.js";
import type { EbuildMetadata } from "../portage/ebuild-metadata.js";
import { resolveUseTokens } from "../portage/variant-request.js";
import type { Task } from "./config.js";
import { suggest, type ConfigIssue } from "./issues.js";

export type RepoVersion = EbuildMetadata & { cpv: string; version: string };

export interface RepositoryFacts {
  /** The repository's directory, for messages. */
  repo: string;
  repoName?: string;
  /** Versions by cat/pn. A cat/pn that is not a key was not read, and is not judged. */
  packages: ReadonlyMap<string, readonly RepoVersion[]>;
  /** Atoms of package.mask: the repository's profiles/package.mask and etc_portage's package.mask. */
  masks: readonly PackageAtom[];
  /** The stage's ARCH and where it was read; null: unknown, so keywords are not judged. */
  arch: { name: string; source: string } | null;
}

/** The cat/pn of every package atom the tasks' modifiers name: all the checks need read. */
export function namedPackages(tasks: readonly Task[]): string[] {
  const cps = new Set<string>();
  for (const task of tasks) for (const entry of modifierAtoms(task)) if (entry.atom) cps.add(atomCp(entry.atom));
  return [...cps].sort();
}

type AtomEntry = { kind: "use" | "accept_keywords" | "unmask" | "mask"; index: number; text: string; atom: PackageAtom | undefined; tokens: readonly string[] };

function modifierAtoms(task: Task): AtomEntry[] {
  if (task.kind === "run" || task.kind === "server") return [];
  const { use, acceptKeywords, unmask, mask } = task.modifiers;
  return [
    ...use.map((line, index) => entry("use", index, line.atom, line.tokens)),
    ...acceptKeywords.map((line, index) => entry("accept_keywords", index, line.atom, line.keywords)),
    ...unmask.map((atom, index) => entry("unmask", index, atom, [])),
    ...mask.map((atom, index) => entry("mask", index, atom, [])),
  ];
}

function entry(kind: AtomEntry["kind"], index: number, text: string, tokens: readonly string[]): AtomEntry {
  const parsed = parseAtom(text, { allowWildcard: true });
  const atom = parsed.ok && parsed.atom.kind === "package" && !parsed.atom.wildcard ? parsed.atom : undefined;
  return { kind, index, text, atom, tokens };
}

export function checkModifierEffects(tasks: readonly Task[], facts: RepositoryFacts): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const task of tasks) {
    if (task.kind === "run" || task.kind === "server") continue;
    for (const item of modifierAtoms(task)) {
      const versions = item.atom && facts.packages.get(atomCp(item.atom));
      if (!item.atom || !versions) continue;
      const matching = versions.filter((version) => item.atom && atomMatches(item.atom, { ...version, repo: facts.repoName }));
      const warn = (message: string, hint: string): void => {
        issues.push({ file: task.origin.file, path: [...task.origin.path, task.kind, item.kind, item.index], message, hint, severity: "warning" });
      };
      if (matching.length === 0) warn(noPackage(item.text, versions, facts), "check the category, name and version; the repository may also need a sync");
      else checkEntry(item, matching, facts, warn);
    }
  }
  return issues;
}

function checkEntry(item: AtomEntry, matching: readonly RepoVersion[], facts: RepositoryFacts, warn: (message: string, hint: string) => void): void {
  const which = `${item.text} (${listVersions(matching)})`;
  switch (item.kind) {
    case "use":
      for (const flag of resolveUseTokens(item.tokens).keys()) {
        const unknown = unknownFlag(flag, matching);
        if (unknown) warn(`USE flag '${flag}' is not in the IUSE of ${which} in ${facts.repo}, so Portage ignores it`, unknown);
      }
      return;
    case "accept_keywords": {
      const arch = facts.arch;
      if (arch && matching.every((version) => version.keywords.includes(arch.name))) {
        warn(`${which} is already stable on ${arch.name} (${arch.source}), so accept_keywords changes nothing`, "remove it, or name the testing version the task needs, e.g. '=cat/pkg-2.0 ~amd64'");
      }
      return;
    }
    case "unmask":
      if (!matching.some((version) => facts.masks.some((mask) => atomMatches(mask, { ...version, repo: facts.repoName })))) {
        warn(`${which} is not masked by ${facts.repo}/profiles/package.mask nor by etc_portage's package.mask, so unmask changes nothing`, "remove it; a package that needs a testing keyword takes accept_keywords, not unmask");
      }
      return;
    case "mask":
      return;
  }
}

/** The hint for a flag no matching version has (undefined: some version has it, or IUSE may be incomplete). */
function unknownFlag(flag: string, matching: readonly RepoVersion[]): string | undefined {
  if (matching.some((version) => !version.complete || version.iuse.includes(flag))) return undefined;
  const known = [...new Set(matching.flatMap((version) => version.iuse))].sort();
  // Every flag as close as a typo, so that x256 offers both x264 and x265.
  const close = known.filter((candidate) => suggest(flag, [candidate]) !== undefined).slice(0, 3);
  if (close.length > 0) return `did you mean ${close.map((candidate) => `'${candidate}'`).join(" or ")}?`;
  return known.length > 0 ? `its flags are: ${known.join(" ")}` : "the package has no USE flags";
}

function noPackage(text: string, versions: readonly RepoVersion[], facts: RepositoryFacts): string {
  if (versions.length === 0) return `${text} matches no package in ${facts.repo}`;
  return `${text} matches no version in ${facts.repo} (there: ${listVersions(versions)})`;
}

function listVersions(versions: readonly RepoVersion[]): string {
  return `${versions.length === 1 ? "version" : "versions"} ${versions.map((version) => version.version).join(", ")}`;
}
