#!/usr/bin/env node
// The command line: the only place errors become messages and exit codes.
import { readFileSync } from "node:fs";
import nodeModule from "node:module";
import path from "node:path";
import { nodeExec } from "../exec/exec.js";
import type { CommandContext } from "./command-context.js";
import { CliError, ExitCode } from "./exit-codes.js";
import { createLineOutput } from "./output.js";
import { closest } from "./parse-args.js";
import { cacheDir, COMPILED_DIR } from "../io/cache-dir.js";

type CommandModule = { help: string; run: (context: CommandContext, signal: AbortSignal) => Promise<number> };

// Loaded on demand, so `validate` does not pay for SQLite, HTTP or btrfs code at start-up.
const commands: Record<string, () => Promise<CommandModule>> = {
  run: () => import("./commands/run.js").then((m) => ({ help: m.runHelp, run: m.runCommand })),
  validate: () => import("./commands/validate.js").then((m) => ({ help: m.validateHelp, run: m.validateCommand })),
  plan: () => import("./commands/plan.js").then((m) => ({ help: m.planHelp, run: m.planCommand })),
  status: () => import("./commands/status.js").then((m) => ({ help: m.statusHelp, run: m.statusCommand })),
  history: () => import("./commands/history.js").then((m) => ({ help: m.historyHelp, run: m.historyCommand })),
  log: () => import("./commands/log.js").then((m) => ({ help: m.logHelp, run: m.logCommand })),
  stage: () => import("./commands/stage.js").then((m) => ({ help: m.stageHelp, run: m.stageCommand })),
  doctor: () => import("./commands/doctor.js").then((m) => ({ help: m.doctorHelp, run: m.doctorCommand })),
  daemon: () => import("./commands/daemon.js").then((m) => ({ help: m.daemonHelp, run: m.daemonCommand })),
  "install-units": () => import("./commands/install-units.js").then((m) => ({ help: m.installUnitsHelp, run: m.installUnitsCommand })),
  serve: () => import("./commands/serve.js").then((m) => ({ help: m.serveHelp, run: m.serveCommand })),
  dashboard: () => import("./commands/dashboard.js").then((m) => ({ help: m.dashboardHelp, run: m.dashboardCommand })),
  report: () => import("./commands/report.js").then((m) => ({ help: m.reportHelp, run: m.reportCommand })),
  "client-config": () => import("./commands/client-config.js").then((m) => ({ help: m.clientConfigHelp, run: m.clientConfigCommand })),
  packages: () => import("./commands/packages.js").then((m) => ({ help: m.packagesHelp, run: m.packagesCommand })),
  prune: () => import("./commands/prune.js").then((m) => ({ help: m.pruneHelp, run: m.pruneCommand })),
  coverage: () => import("./commands/coverage.js").then((m) => ({ help: m.coverageHelp, run: m.coverageCommand })),
  publish: () => import("./commands/publish.js").then((m) => ({ help: m.publishHelp, run: m.publishCommand })),
  releases: () => import("./commands/releases.js").then((m) => ({ help: m.releasesHelp, run: m.releasesCommand })),
  coordinator: () => import("./commands/coordinator.js").then((m) => ({ help: m.coordinatorHelp, run: m.coordinatorCommand })),
  worker: () => import("./commands/worker.js").then((m) => ({ help: m.workerHelp, run: m.workerCommand })),
};

const mainHelp = `usage: binpkgbot [COMMAND] [-c FILE] [options]   (binpkgbot help COMMAND: a command's own help)

Builds Gentoo binary packages in clean systemd-nspawn containers over a btrfs stage.

commands:
  run        run every task of the config (the default)
  plan       print what a run would do, without doing it
  validate   check the config and every file it includes
  status     the last run and each task's last result
  history    past task results, newest first (--task T, --limit N)
  log        a task's build log and elog messages (log TASK [--run N])
  stage      the stage's generations: list, rollback, shell, clean, init --from TARBALL
  doctor     check the host and the config, each problem with its fix
  daemon     run as a service: sync on a schedule, run the tasks when something changed
  install-units  install the systemd units (a service, or a timer) for this binpkgbot
  serve      serve the pkgdir over HTTP as a binhost (--listen ADDR:PORT, --public-key FILE)
  dashboard  serve the dashboard, its JSON API and /metrics from the state database (--listen ADDR:PORT)
  client-config  what a client needs to use the binhost (--url URL [--format script])
  report     on a server: send its Portage state to the build host (--to URL --name NAME --token-file FILE)
  packages   the binpkgs in the pkgdir, signed or not, and index problems (--json)
  prune      remove old builds and gone versions from the pkgdir (--keep N, --dry-run)
  coverage   what each server in servers: would still compile (SERVER…, --json, --suggest)
  publish    publish the pkgdir as a new release and make it current
  releases   the releases: list, diff A B, tag NAME [N], rollback [N], keep N
  coordinator  run a fleet's targets on workers through Redis (-c FLEET --redis URL)
  worker     run the steps a coordinator queued for targets with these labels (--redis URL --labels K=V,…)

options:
  -c, --config FILE   the config (default ./binpkgbot.yml); run, plan, validate, status, serve and
                      client-config also take a fleet file of several targets (binpkgbot-fleet.yml)
  -h, --help          help (also: binpkgbot help COMMAND, binpkgbot COMMAND --help)
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

const stdout = createLineOutput(process.stdout);
const stderr = createLineOutput(process.stderr);

/** What each command says when SIGINT or SIGTERM arrives; the daemon logs its stop in its own format. */
const STOP_NOTICES: Record<string, string | null> = {
  daemon: null, serve: "closing the binhost", dashboard: "closing the dashboard", worker: "stopping its steps and giving their jobs back",
};

/**
 * On Node 22.1 and later, V8's compiled code of the modules a command loads is kept between runs
 * (module.enableCompileCache), beside the config cache (src/cli/load-config-cached.ts), so that a short
 * run does not compile them again; none where that cache is off. NODE_COMPILE_CACHE, if set, wins: Node
 * reads it itself. Node checks each entry against its module's source, so a rebuilt file is compiled anew.
 */
function enableCompileCache(env: NodeJS.ProcessEnv): void {
  const enable = (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  const dir = cacheDir(env);
  if (enable === undefined || dir === null || env.NODE_COMPILE_CACHE !== undefined) return;
  try {
    enable(path.join(dir, COMPILED_DIR));
  } catch {
    // A cache that cannot be written costs only the time it would save.
  }
}

export async function main(argv: string[]): Promise<number> {
  enableCompileCache(process.env);
  const controller = new AbortController();
  let commandName = "run";
  const onSignal = (name: string): void => {
    const notice = commandName in STOP_NOTICES ? STOP_NOTICES[commandName] : "stopping the running container and cleaning up…";
    if (!controller.signal.aborted && notice) stderr.write(`\nbinpkgbot: ${name} received, ${notice}`);
    controller.abort(name);
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  try {
    const global = parseGlobal(argv);
    if (global.version) {
      stdout.write(`binpkgbot ${version()}`);
      return ExitCode.ok;
    }
    if (global.command === "help") return await printHelp(global.rest);
    commandName = global.command;
    const command = await loadCommand(global.command);
    if (global.help) {
      stdout.write(global.command === "run" && !argv.includes("run") ? mainHelp : command.help);
      return ExitCode.ok;
    }
    const context: CommandContext = {
      configFile: global.configFile, args: global.rest, exec: nodeExec, env: process.env, now: () => new Date(),
      stdout: stdout.write, stderr: stderr.write, streams: { stdout: process.stdout, stderr: process.stderr },
      ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
    };
    return await command.run(context, controller.signal);
  } catch (error) {
    return reportError(error);
  }
}

async function loadCommand(name: string): Promise<CommandModule> {
  const load = commands[name];
  if (load) return load();
  const guess = closest(name, [...Object.keys(commands), "help"]);
  throw new CliError(`unknown command '${name}'${guess === undefined ? "" : `: did you mean ${guess}?`} (binpkgbot help lists the commands)`, ExitCode.usage);
}

/** `binpkgbot help` and `binpkgbot help COMMAND`. */
async function printHelp(args: readonly string[]): Promise<number> {
  if (args.length > 1 || args[0]?.startsWith("-")) throw new CliError(`help takes at most one command, as in binpkgbot help plan`, ExitCode.usage);
  stdout.write(args[0] === undefined ? mainHelp : (await loadCommand(args[0])).help);
  return ExitCode.ok;
}

function reportError(error: unknown): number {
  if (error instanceof CliError) {
    stderr.write(`binpkgbot: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`binpkgbot: ${message}`);
  if (process.env.BINPKGBOT_DEBUG) stderr.write(error instanceof Error ? (error.stack ?? "") : "");
  return ExitCode.host;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
