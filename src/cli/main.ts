#!/usr/bin/env node
// The command line: the only place errors become messages and exit codes.
import { readFileSync } from "node:fs";
import { nodeExec } from "../exec/exec.js";
import type { CommandContext } from "./command-context.js";
import { historyCommand, historyHelp } from "./commands/history.js";
import { logCommand, logHelp } from "./commands/log.js";
import { planCommand, planHelp } from "./commands/plan.js";
import { runCommand, runHelp } from "./commands/run.js";
import { statusCommand, statusHelp } from "./commands/status.js";
import { stageInitCommand, stageInitHelp } from "./commands/stage-init.js";
import { doctorCommand, doctorHelp } from "./commands/doctor.js";
import { validateCommand, validateHelp } from "./commands/validate.js";
import { CliError, ExitCode } from "./exit-codes.js";

interface Command {
  help: string;
  run: (context: CommandContext, signal: AbortSignal) => Promise<number>;
}

const commands: Record<string, Command> = {
  run: { help: runHelp, run: runCommand },
  validate: { help: validateHelp, run: validateCommand },
  plan: { help: planHelp, run: planCommand },
  status: { help: statusHelp, run: statusCommand },
  history: { help: historyHelp, run: historyCommand },
  log: { help: logHelp, run: logCommand },
  "stage-init": { help: stageInitHelp, run: stageInitCommand },
  doctor: { help: doctorHelp, run: doctorCommand },
};

const mainHelp = `usage: binpkgbot [COMMAND] [-c FILE] [options]

Builds Gentoo binary packages in clean systemd-nspawn containers over a btrfs stage.

commands:
  run        run every task of the config (the default)
  plan       print what a run would do, without doing it
  validate   check the config and every file it includes
  status     the last run and each task's last result
  history    past task results, newest first (--task T, --limit N)
  log        a task's build log and elog messages (log TASK [--run N])
  stage-init create the stage from a stage3/stage4 tarball (--from FILE)
  doctor     check the host and the config, each problem with its fix

options:
  -c, --config FILE   the config (default ./binpkgbot.yml)
  -h, --help          help (also: binpkgbot COMMAND --help)
  -V, --version       print the version

exit codes: 0 ok, 1 a task failed, 2 usage, 3 invalid config, 4 host or container problem,
5 stage locked by another run, 130 interrupted`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Splits off -c/--config and --help wherever they stand; the rest goes to the command. */
function parseGlobal(argv: string[]): { command: string; configFile: string; help: boolean; version: boolean; rest: string[] } {
  let command: string | undefined;
  let configFile = "binpkgbot.yml";
  let help = false;
  let showVersion = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "-c" || arg === "--config") {
      const value = argv[++i];
      if (value === undefined) throw new CliError(`${arg} needs a file: binpkgbot ${arg} path/to/binpkgbot.yml`, ExitCode.usage);
      configFile = value;
    } else if (arg.startsWith("--config=")) configFile = arg.slice("--config=".length);
    else if (arg === "-h" || arg === "--help") help = true;
    else if (arg === "-V" || arg === "--version") showVersion = true;
    else if (command === undefined && !arg.startsWith("-")) command = arg;
    else rest.push(arg);
  }
  return { command: command ?? "run", configFile, help, version: showVersion, rest };
}

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (name: string): void => {
    if (!controller.signal.aborted) process.stderr.write(`\nbinpkgbot: ${name} received, stopping the running container and cleaning up…\n`);
    controller.abort();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  try {
    const global = parseGlobal(argv);
    if (global.version) {
      process.stdout.write(`binpkgbot ${version()}\n`);
      return ExitCode.ok;
    }
    const command = commands[global.command];
    if (!command) throw new CliError(`unknown command '${global.command}': run binpkgbot --help for the list`, ExitCode.usage);
    if (global.help) {
      process.stdout.write(`${global.command === "run" && !argv.includes("run") ? mainHelp : command.help}\n`);
      return ExitCode.ok;
    }
    const context: CommandContext = {
      configFile: global.configFile, args: global.rest, exec: nodeExec, env: process.env, now: () => new Date(),
      stdout: (line) => process.stdout.write(`${line}\n`),
      stderr: (line) => process.stderr.write(`${line}\n`),
    };
    return await command.run(context, controller.signal);
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`binpkgbot: ${error.message}\n`);
    return error.exitCode;
  }
  const code = (error as { code?: string }).code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    process.stderr.write(`binpkgbot: ${(error as Error).message}; see binpkgbot --help\n`);
    return ExitCode.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`binpkgbot: ${message}\n`);
  if (process.env.BINPKGBOT_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ""}\n`);
  return ExitCode.host;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
