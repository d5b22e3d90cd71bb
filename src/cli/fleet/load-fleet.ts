// -c names a binpkgbot.yml or a fleet file (binpkgbot-fleet.yml, told apart by its top-level targets:).
// Commands across targets load either; a fleet's problems end the command like a config's.
import type { Config } from "../../config/config.js";
import { formatIssue } from "../../config/issues.js";
import { formatIssues, loadConfig } from "../../config/load.js";
import { isFleetFile, loadFleet } from "../../fleet/fleet-config.js";
import type { Fleet, FleetTarget } from "../../fleet/fleet.js";
import { diskConfigFiles } from "../../io/config-files.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail, type LoadedConfig } from "../load-config.js";
import { closest } from "../parse-args.js";

export interface FleetEntry {
  target: FleetTarget;
  config: Config;
}

export interface LoadedFleetFile {
  kind: "fleet";
  fleet: Fleet;
  /** The targets picked (all, or the one --target names), in the fleet file's order. */
  entries: FleetEntry[];
  warnings: string[];
}

export type LoadedConfigOrFleet = ({ kind: "config" } & LoadedConfig) | LoadedFleetFile;

/**
 * A binpkgbot.yml loads as before (the fleet check runs only when it does not); a fleet file loads
 * with every target's config. `target` is --target NAME: it picks one target, and needs a fleet.
 */
export function loadConfigOrFleetOrFail(file: string, target: string | undefined): LoadedConfigOrFleet {
  const result = loadConfig(file, diskConfigFiles);
  if (!result.ok && isFleetFile(file, diskConfigFiles)) return loadFleetOrFail(file, target);
  if (target !== undefined) throw new CliError(`--target ${target}: ${file} is one binpkgbot.yml, not a fleet file; --target picks a target of a fleet file (binpkgbot-fleet.yml)`, ExitCode.usage);
  if (result.ok) return { kind: "config", config: result.config, warnings: result.warnings.map(formatIssue) };
  return { kind: "config", ...loadConfigOrFail(file) };
}

export function loadFleetOrFail(file: string, target: string | undefined): LoadedFleetFile {
  const result = loadFleet(file, diskConfigFiles);
  if (!result.ok) {
    const count = result.total;
    throw new CliError(`${formatIssues(result.issues)}\n${count} problem${count === 1 ? "" : "s"} in the fleet; nothing was started`, ExitCode.config);
  }
  const entries = result.fleet.targets.map((t) => ({ target: t, config: result.configs.get(t.name)! }));
  return { kind: "fleet", fleet: result.fleet, entries: pickTarget(entries, target, result.fleet.path), warnings: result.warnings.map(formatIssue) };
}

function pickTarget(entries: FleetEntry[], name: string | undefined, file: string): FleetEntry[] {
  if (name === undefined) return entries;
  const picked = entries.filter((entry) => entry.target.name === name);
  if (picked.length > 0) return picked;
  const names = entries.map((entry) => entry.target.name);
  const guess = closest(name, names);
  throw new CliError(`--target ${name}: no such target in ${file}${guess === undefined ? "" : `: did you mean ${guess}?`} (the targets: ${names.join(", ")})`, ExitCode.usage);
}

/** "amd64-desktop (arch=amd64, profile=…)": how a target is headed in every command's output. */
export function describeTarget(target: FleetTarget): string {
  return `${target.name} (${Object.entries(target.labels).map(([key, value]) => `${key}=${value}`).join(", ")})`;
}

/** Commands that take one binpkgbot.yml say so when given a fleet file, naming its targets' configs. */
export function oneTargetOnly(file: string): CliError | undefined {
  if (!isFleetFile(file, diskConfigFiles)) return undefined;
  const result = loadFleet(file, diskConfigFiles);
  const configs = result.ok ? ` (${result.fleet.targets.map((t) => `${t.name}: -c ${t.configPath}`).join("; ")})` : "";
  return new CliError(
    `${file} is a fleet file (it has targets:), and this command works on one target: give that target's binpkgbot.yml with -c${configs}; ` +
    "run, plan, validate, status, serve and client-config --target take the fleet file",
    ExitCode.usage,
  );
}
