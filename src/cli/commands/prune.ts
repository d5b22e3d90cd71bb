import { stat } from "node:fs/promises";
import { applyPrune } from "../../binhost/apply-prune.js";
import { readPackagesIndexFile } from "../../binhost/pkgdir-index.js";
import { scanPkgdirFiles } from "../../binhost/pkgdir-files.js";
import { planPrune, type PruneHold, type PrunePlan, type PruneReason, type PruneRemoval } from "../../binhost/prune-plan.js";
import { readProtectedBinpkgs, ProtectedBinpkgsError } from "../../binhost/protected-binpkgs.js";
import { readRepoVersions, RepositoryReadError } from "../../binhost/repo-versions.js";
import type { Config } from "../../config/config.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { findHeldByReleases, type HeldByReleases } from "../../releases/held-by-releases.js";
import { releasesLayout } from "../../releases/release-layout.js";
import { withStageLock } from "../lock-stage.js";
import { formatBytes } from "./packages.js";
import { formatTable } from "./status.js";

export const DEFAULT_KEEP = 2;

export const pruneHelp = `usage: binpkgbot prune [-c FILE] [--keep N] [--dry-run] [--json]

Removes binpkgs from the config's pkgdir: builds of a (CPV, USE) variant older than the newest N
(--keep, default ${DEFAULT_KEEP}; by BUILD_TIME, then BUILD_ID), versions whose ebuild is gone from
portage_repo, index entries whose file is missing, and 0-byte placeholders and binpkgs the index
does not list once they are an hour old. Never removes what a configured task added in its last
successful run. Holds the stage lock (exit 5 while a run builds), rewrites Packages (and
Packages.gz) without the removed entries, then deletes the files; afterwards every binpkg is in
the index and every index entry has its file. --dry-run changes nothing and prints the same
report. --json prints it as a JSON document.`;

const WHY: Record<PruneReason, string> = {
  "old-instance": "older build of its USE variant",
  "version-gone": "version gone from the repository",
  placeholder: "0-byte placeholder of an interrupted build",
  orphan: "not in the index",
  "missing-file": "index entry without its file",
};

export async function pruneCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("prune", {
    args: context.args,
    options: { keep: { type: "string" }, "dry-run": { type: "boolean", default: false }, json: { type: "boolean", default: false } },
    strict: true,
  });
  const keep = parseKeep(values.keep);
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const dryRun = values["dry-run"];
  // A dry run changes nothing, so it need not wait for a build to end.
  const result = dryRun ? await prune(context, config, keep, true) : await withStageLock(context, config.stage, () => prune(context, config, keep, false));
  if (values.json) context.stdout(JSON.stringify({ dryRun, keep, ...result }, null, 2));
  else printReport(context, result, dryRun);
  return ExitCode.ok;
}

type PruneResult = {
  pkgdir: string;
  removed: PruneRemoval[];
  held: PruneHold[];
  /** Bytes the deleted files free now: not those a release still holds (a hard link, or a btrfs snapshot sharing them). */
  freedBytes: number;
  /** Bytes of deleted files that stay on disk while releases hold them, and those releases. */
  heldByReleases: HeldByReleases;
  indexBefore: number;
  indexAfter: number;
  /** Repositories of binpkgs that portage_repo cannot judge: their versions are never "gone". */
  otherRepos: string[];
};

async function prune(context: CommandContext, config: Config, keep: number, dryRun: boolean): Promise<PruneResult> {
  const pkgdir = config.pkgdir;
  await stat(pkgdir).catch((error: unknown) => {
    throw new CliError(`pkgdir ${pkgdir} does not exist: nothing to prune; check pkgdir in the config`, ExitCode.host, { cause: error });
  });
  const [index, files] = [await readPackagesIndexFile(pkgdir), await scanPkgdirFiles(pkgdir)];
  if (index === null && files.length > 0) {
    throw new CliError(
      `${pkgdir} holds binpkgs but no Packages index, so every one would look unlisted; nothing was removed. ` +
        "Rebuild the index with emaint binhost --fix in a container of the stage (binpkgbot stage shell), then prune again",
      ExitCode.host,
    );
  }
  const entries = index?.packages ?? [];
  for (const issue of index?.issues ?? []) context.stderr(`warning: ${pkgdir}/Packages:${issue.line}: ${issue.message}`);
  const repo = await readRepoVersions(config.portageRepo, entries).catch((error: unknown) => {
    if (error instanceof RepositoryReadError) throw new CliError(`${error.message}; nothing was removed`, ExitCode.host, { cause: error });
    throw error;
  });
  const protectedPaths = new Set(readProtectedPaths(config));
  const plan: PrunePlan = planPrune({ index: { packages: entries }, repoVersions: repo.versions, protectedPaths, keep, files, now: context.now() });
  // Read before the files go: afterwards PKGDIR no longer says what the releases share with it.
  const deleted = plan.remove.filter((removal) => removal.deleteFile && removal.bytes > 0);
  const heldByReleases = config.releases === undefined ? { bytes: 0, releases: [] } : await findHeldByReleases(pkgdir, releasesLayout(config.releases.dir), deleted);
  if (!dryRun && index !== null) await applyPrune(pkgdir, index, plan, context.now());
  return {
    pkgdir, removed: plan.remove, held: plan.held, freedBytes: plan.freedBytes - heldByReleases.bytes, heldByReleases,
    indexBefore: entries.length, indexAfter: plan.keep.length, otherRepos: repo.otherRepos,
  };
}

function readProtectedPaths(config: Config): string[] {
  try {
    return readProtectedBinpkgs(config.stateDir, config.tasks.map((task) => task.id)).map((binpkg) => binpkg.path);
  } catch (error) {
    if (error instanceof ProtectedBinpkgsError) throw new CliError(`${error.message}; nothing was removed`, ExitCode.host, { cause: error });
    throw error;
  }
}

function describeHeldByReleases(held: HeldByReleases, dryRun: boolean): string {
  if (held.bytes === 0) return "";
  const which = held.releases.length === 1 ? `release ${held.releases[0]}` : `releases ${held.releases.join(", ")}`;
  return `; ${formatBytes(held.bytes)} more ${dryRun ? "would stay" : "stays"} on disk while ${which} ${held.releases.length === 1 ? "holds" : "hold"} the same files (releases_keep drops old releases at the next publish)`;
}

function printReport(context: CommandContext, result: PruneResult, dryRun: boolean): void {
  const verb = dryRun ? "would remove" : "removed";
  const files = result.removed.filter((removal) => removal.deleteFile).length;
  const entries = result.removed.filter((removal) => removal.inIndex).length;
  context.stdout(`${dryRun ? "dry run: " : ""}${verb} ${files} file${files === 1 ? "" : "s"} and ${entries} index entr${entries === 1 ? "y" : "ies"} from ${result.pkgdir}, freeing ${formatBytes(result.freedBytes)}${describeHeldByReleases(result.heldByReleases, dryRun)}`);
  const rows = result.removed.map((removal) => [
    `  ${removal.path}`, removal.cpv === undefined ? "-" : `${removal.cpv}${removal.buildId === undefined ? "" : ` #${removal.buildId}`}`,
    removal.deleteFile ? formatBytes(removal.bytes) : "-", WHY[removal.reason],
  ]);
  for (const line of formatTable(rows)) context.stdout(line.trimEnd());
  if (result.held.length > 0) {
    context.stdout(`kept ${result.held.length} that the rules would remove:`);
    for (const hold of result.held) context.stdout(`  ${hold.path}: ${describeHold(hold)}`);
  }
  if (result.otherRepos.length > 0) {
    context.stdout(`not judged against the repository (built from ${result.otherRepos.join(", ")}): only their old builds are removed`);
  }
  context.stdout(`index: ${result.indexAfter} binpkg${result.indexAfter === 1 ? "" : "s"}${dryRun ? " would be" : ""} listed (was ${result.indexBefore})`);
}

function describeHold(hold: PruneHold): string {
  return hold.because === "protected"
    ? `${WHY[hold.wouldBe]}, but a configured task added it in its last successful run`
    : `${WHY[hold.wouldBe]}, but younger than an hour: it may belong to a build still running`;
}

function parseKeep(text: string | undefined): number {
  if (text === undefined) return DEFAULT_KEEP;
  if (!/^[0-9]+$/.test(text) || Number(text) < 1) throw new CliError(`--keep ${text}: give how many builds of each variant to keep, at least 1`, ExitCode.usage);
  return Number(text);
}
