// binpkgbot-fleet.yml → a Fleet and each target's Config, or every problem with its position. Pure: the
// files come in through ConfigFiles (src/config/includes.ts), as for binpkgbot.yml, whose loader checks
// each target's own config; its problems come back naming the target.
import path from "node:path";
import { isMap } from "yaml";
import type { Config } from "../config/config.js";
import { emptyLoader, readSource, realpathOr, type ConfigFiles, type Loader } from "../config/includes.js";
import type { ConfigIssue, LocatedIssue } from "../config/issues.js";
import { listFirst, loadConfig, locateIn } from "../config/load.js";
import type { ParseContext } from "../config/schema-kit.js";
import { checkTargetLabels } from "./fleet-labels.js";
import { checkSharedDirectories } from "./shared-directories.js";
import { fleetSchema } from "./fleet-schema.js";
import type { Fleet, FleetTarget } from "./fleet.js";

export interface LoadedFleet {
  fleet: Fleet;
  /** Each target's config, by target name. */
  configs: ReadonlyMap<string, Config>;
  /** Every target's warnings, naming the target. */
  warnings: LocatedIssue[];
}

export type FleetLoadResult =
  | ({ ok: true } & LoadedFleet)
  /** `issues` lists at most MAX_LISTED_ISSUES problems and then one that counts the rest; `total` counts all. */
  | { ok: false; issues: LocatedIssue[]; total: number };

/**
 * A fleet file is told apart from a binpkgbot.yml by its top-level `targets:` key, which a
 * binpkgbot.yml never has. A file that cannot be read or parsed is no fleet: the config loader says why.
 */
export function isFleetFile(file: string, files: ConfigFiles): boolean {
  const contents = readSource(emptyLoader(files), path.resolve(file))?.doc.contents;
  return isMap(contents) && contents.has("targets");
}

export function loadFleet(fleetFile: string, files: ConfigFiles): FleetLoadResult {
  const file = path.resolve(fleetFile);
  const loader = emptyLoader(files);
  const source = readSource(loader, file);
  const ctx: ParseContext = { file, issues: loader.issues };
  const raw = source ? fleetSchema.parse(source.doc.contents, [], ctx) : undefined;
  const skipped = new Set<string>();
  const targets = raw ? readTargets(raw.targets, file, loader, skipped) : [];
  const fleetIssues = [...loader.located, ...loader.issues.map((issue) => locateIn(loader, issue))];
  const loaded = targets.filter((target) => !skipped.has(target.name)).map((target) => ({ target, result: loadConfig(target.configPath, files) }));
  const configs = new Map<string, Config>();
  const targetIssues: LocatedIssue[] = [];
  const warnings: LocatedIssue[] = [];
  for (const { target, result } of loaded) {
    if (result.ok) configs.set(target.name, result.config);
    if (result.ok) warnings.push(...result.warnings.map((issue) => inTarget(target, issue)));
    else targetIssues.push(...result.issues.map((issue) => inTarget(target, issue)));
  }
  if (fleetIssues.length === 0 && targetIssues.length === 0) {
    targetIssues.push(...checkSharedDirectories(targets, configs, files).map((issue) => issue.file === file ? issue : inTarget(targetOf(targets, issue), issue)));
  }
  const errors = [...fleetIssues, ...targetIssues].filter((issue) => issue.severity !== "warning");
  if (errors.length > 0 || !raw) return { ok: false, issues: listFirst(errors, file), total: errors.length };
  return { ok: true, fleet: { path: file, targets }, configs, warnings };
}

/** The targets in the file's order; problems of their names, labels and config paths go to the loader. */
/** Targets whose config cannot be read, or is another target's, go into `skipped`: not loaded again. */
function readTargets(raw: Record<string, { config: string; labels: Record<string, string> }>, file: string, loader: Loader, skipped: Set<string>): FleetTarget[] {
  const report = (issue: Omit<ConfigIssue, "file">): void => void loader.issues.push({ file, ...issue });
  const names = Object.keys(raw);
  if (names.length === 0) report({ path: ["targets"], message: "the fleet has no target", hint: "add one: targets: {NAME: {config: binpkgbot.yml, labels: {arch: amd64, profile: …}}}" });
  const byConfig = new Map<string, string>();
  return names.map((name) => {
    const entry = raw[name]!;
    checkTargetLabels(entry.labels, ["targets", name, "labels"], report);
    const configPath = path.resolve(path.dirname(file), entry.config);
    if (!canRead(loader, configPath, ["targets", name, "config"], report)) skipped.add(name);
    else if (isFleetFile(configPath, loader.files)) {
      skipped.add(name);
      const which = realpathOr(loader.files, configPath) === realpathOr(loader.files, file) ? "this fleet file itself" : `a fleet file (${configPath} has targets:)`;
      report({ path: ["targets", name, "config"], message: `target ${name}: config names ${which}, not a binpkgbot.yml`, hint: "point config: at the target's own binpkgbot.yml (stage, etc_portage, portage_repo, tasks); fleets do not nest" });
    }
    const real = realpathOr(loader.files, configPath);
    const first = byConfig.get(real);
    if (first !== undefined) skipped.add(name);
    if (first !== undefined) report({ path: ["targets", name, "config"], message: `target ${name} names the same config as target ${first} (${configPath})`, hint: "give each target its own binpkgbot.yml, or remove one of the two" });
    else byConfig.set(real, name);
    return { name, configPath, labels: entry.labels };
  });
}

/** A target config that cannot be read is the fleet file's problem, at the path that names it. */
function canRead(loader: Loader, configPath: string, at: string[], report: (issue: Omit<ConfigIssue, "file">) => void): boolean {
  try {
    loader.files.read(configPath, 0);
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    report({ path: at, message: `cannot read ${configPath}: ${reason}`, hint: "fix the path, which is relative to the fleet file" });
    return false;
  }
}

/** A target's own problem, located in its own config, says which target it belongs to. */
function inTarget(target: FleetTarget, issue: LocatedIssue): LocatedIssue {
  return { ...issue, message: `target ${target.name}: ${issue.message}` };
}

function targetOf(targets: readonly FleetTarget[], issue: LocatedIssue): FleetTarget {
  return targets.find((target) => target.configPath === issue.file) ?? { name: "?", configPath: issue.file, labels: {} };
}

