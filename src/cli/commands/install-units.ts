import { access, mkdir, readdir, readFile, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { renderUnit, SHIPPED_CONFIG } from "../../daemon/render-units.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";

export const installUnitsHelp = `usage: binpkgbot install-units [--prefix DIR] [-c FILE]

Copies binpkgbot's systemd units into DIR (default /etc/systemd/system), with ExecStart pointing at
this binpkgbot and at the config FILE (default ${SHIPPED_CONFIG}):
  binpkgbot.service       the daemon (binpkgbot daemon): syncs on the config's schedule
  binpkgbot-run.service   one run of every task, started by
  binpkgbot-run.timer     hourly
Enable one of the two ways, not both; the command prints how. An existing config must be valid
(exit 3 otherwise, and nothing is installed); one not written yet only gets a warning.`;

const DEFAULT_PREFIX = "/etc/systemd/system";
// main.ts gives this when no -c was given; units need an absolute path, so the shipped one is used.
const CLI_DEFAULT_CONFIG = "binpkgbot.yml";

export async function installUnitsCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("install-units", { args: context.args, options: { prefix: { type: "string", default: DEFAULT_PREFIX } }, strict: true });
  const prefix = path.resolve(values.prefix);
  const config = context.configFile === CLI_DEFAULT_CONFIG ? SHIPPED_CONFIG : path.resolve(context.configFile);
  const configExists = await access(config).then(() => true, () => false);
  if (configExists) for (const warning of loadConfigOrFail(config).warnings) context.stderr(warning);
  const command = [process.execPath, await realpath(fileURLToPath(new URL("../main.js", import.meta.url)))];
  const unitsDir = fileURLToPath(new URL("../../../../systemd/", import.meta.url));
  const names = (await readdir(unitsDir).catch((error: unknown) => {
    throw new CliError(`cannot read the shipped units in ${unitsDir}: ${(error as Error).message}; reinstall binpkgbot`, ExitCode.host, { cause: error });
  })).filter((name) => /\.(service|timer)$/.test(name)).sort();
  try {
    await mkdir(prefix, { recursive: true });
    for (const name of names) {
      await writeFile(path.join(prefix, name), renderUnit(await readFile(path.join(unitsDir, name), "utf8"), { command, config }), { mode: 0o644 });
      context.stdout(`installed ${path.join(prefix, name)}`);
    }
  } catch (error) {
    throw new CliError(`cannot install the units into ${prefix}: ${(error as Error).message}; ${installFix(error)}`, ExitCode.host, { cause: error });
  }
  if (!configExists) context.stderr(`warning: ${config} does not exist yet: write it (binpkgbot validate -c ${config} checks it) before starting a unit`);
  context.stdout("");
  context.stdout("next, either the daemon:");
  context.stdout("  systemctl daemon-reload && systemctl enable --now binpkgbot.service");
  context.stdout("or an hourly run:");
  context.stdout("  systemctl daemon-reload && systemctl enable --now binpkgbot-run.timer");
  return ExitCode.ok;
}

/** The fix that applies: root only helps a user who is not root and was denied. */
function installFix(error: unknown): string {
  const code = (error as { code?: string }).code;
  if ((code === "EACCES" || code === "EPERM") && process.getuid?.() !== 0) return "run as root, or give --prefix DIR";
  if (code === "ENOTDIR" || code === "EEXIST") return "--prefix must be a directory (or a path where one can be made)";
  return "give --prefix DIR on a writable filesystem";
}
