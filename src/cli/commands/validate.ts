import { formatIssue } from "../../config/issues.js";
import { diskConfigFiles } from "../../io/config-files.js";
import { readModifierWarnings } from "../../io/repository-facts.js";
import { loadConfigOrFleetOrFail, type LoadedFleetFile } from "../fleet/load-fleet.js";
import type { CommandContext } from "../command-context.js";
import { ExitCode } from "../exit-codes.js";
import { parseCommandArgs } from "../parse-args.js";

export const validateHelp = `usage: binpkgbot validate [-c FILE]

Reads binpkgbot.yml and every file it includes and reports every problem at once, as
FILE:LINE:COLUMN: key.path: message (hint). Starts nothing and writes nothing. Where portage_repo
can be read, modifiers that can have no effect there are warnings: a USE flag no matching version
has, an atom that matches no package, keywords for a package already stable, an unmask of
something not masked. A fleet file (binpkgbot-fleet.yml) is checked with every target's config.`;

export async function validateCommand(context: CommandContext): Promise<number> {
  parseCommandArgs("validate", { args: context.args, options: {}, strict: true });
  const loaded = loadConfigOrFleetOrFail(context.configFile, undefined);
  if (loaded.kind === "fleet") return validateFleet(context, loaded);
  const { config, warnings } = loaded;
  for (const warning of warnings) context.stderr(warning);
  for (const warning of await readModifierWarnings(config, diskConfigFiles)) context.stderr(formatIssue(warning));
  context.stdout(`${config.file}: valid (${config.tasks.length} task${config.tasks.length === 1 ? "" : "s"} from ${config.files.length} file${config.files.length === 1 ? "" : "s"})`);
  return ExitCode.ok;
}

/** A fleet is valid when every target's config is, and no two targets share a stage, PKGDIR or state. */
async function validateFleet(context: CommandContext, loaded: LoadedFleetFile): Promise<number> {
  for (const warning of loaded.warnings) context.stderr(warning);
  for (const { config } of loaded.entries) {
    for (const warning of await readModifierWarnings(config, diskConfigFiles)) context.stderr(formatIssue(warning));
  }
  const targets = loaded.entries.map(({ target, config }) => `${target.name}: ${config.tasks.length} task${config.tasks.length === 1 ? "" : "s"}`);
  context.stdout(`${loaded.fleet.path}: valid (${targets.length} target${targets.length === 1 ? "" : "s"}: ${targets.join(", ")})`);
  return ExitCode.ok;
}
