import { loadConfigOrFail } from "../load-config.js";
import type { CommandContext } from "../command-context.js";
import { ExitCode } from "../exit-codes.js";
import { parseCommandArgs } from "../parse-args.js";

export const validateHelp = `usage: binpkgbot validate [-c FILE]

Reads binpkgbot.yml and every file it includes and reports every problem at once, as
FILE:LINE:COLUMN: key.path: message (hint). Starts nothing and writes nothing.`;

export async function validateCommand(context: CommandContext): Promise<number> {
  parseCommandArgs("validate", { args: context.args, options: {}, strict: true });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  context.stdout(`${config.file}: valid (${config.tasks.length} task${config.tasks.length === 1 ? "" : "s"} from ${config.files.length} file${config.files.length === 1 ? "" : "s"})`);
  return ExitCode.ok;
}
