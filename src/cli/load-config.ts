// Loads and validates the config for every command; an invalid config ends the command before anything starts.
import { loadConfig, formatIssues, type LoadResult } from "../config/load.js";
import type { Config } from "../config/config.js";
import { formatIssue } from "../config/issues.js";
import { diskConfigFiles } from "../io/config-files.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { oneTargetOnly } from "./fleet/load-fleet.js";

export interface LoadedConfig {
  config: Config;
  warnings: string[];
}

export function loadConfigOrFail(file: string): LoadedConfig {
  const result = loadConfig(file, diskConfigFiles);
  if (!result.ok) {
    const fleet = oneTargetOnly(file);
    if (fleet) throw fleet;
    failOnIssues(result);
  }
  return { config: result.config, warnings: result.warnings.map(formatIssue) };
}

export function failOnIssues(result: Extract<LoadResult, { ok: false }>): never {
  const count = result.total;
  throw new CliError(`${formatIssues(result.issues)}\n${count} problem${count === 1 ? "" : "s"} in the config; nothing was started`, ExitCode.config);
}
