// `binpkgbot run -c FLEET`: the embedded default, several targets on this one host with no Redis. Each
// target's run is `binpkgbot run` of its config (its stage lock, state, retries, publishing), one target
// after the other in the fleet file's order: two targets building at once would share the host's cores
// and memory without one job pool between them. One summary names the target of each step.
import { realpathSync } from "node:fs";
import { didNotSucceed, performRun, type PerformedRun } from "../../engine/perform-run.js";
import type { StepOutcome } from "../../engine/events.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { toCliError, testCrashPoint } from "../commands/run.js";
import { createEventPrinter, renderSummary, type SummaryTarget } from "../print-run.js";
import { renderRunJson } from "../run-json.js";
import { openRunScreens } from "../run-screen.js";
import { describeTarget, type FleetEntry, type LoadedFleetFile } from "./load-fleet.js";
import { assignSyncs, syncedByNotice } from "../../fleet/sync-once.js";

export interface FleetRunOptions {
  jobs: number | "auto" | undefined;
  failFast: boolean;
  /** --force: all tasks, or these (each must be a task of some picked target). */
  force: boolean;
  names: readonly string[];
  json: boolean;
}

/** The version of `run -c FLEET --json`; each target's run inside is `run --json`'s document. */
/** A repository's real path, or the path as written when it cannot be resolved (the run then says why). */
export function realRepository(repo: string): string {
  try {
    return realpathSync(repo);
  } catch {
    return repo;
  }
}

export const FLEET_RUN_JSON_VERSION = 1;

type TargetRun = { entry: FleetEntry; run: PerformedRun } | { entry: FleetEntry; error: CliError };

export async function runFleet(context: CommandContext, signal: AbortSignal, loaded: LoadedFleetFile, options: FleetRunOptions): Promise<number> {
  for (const warning of loaded.warnings) context.stderr(warning);
  const force = readFleetForce(loaded.entries, options.force, options.names);
  const screens = openRunScreens(context.streams ?? null, { stdout: context.stdout, stderr: context.stderr }, { json: options.json, env: context.env, clock: () => context.now().getTime() });
  const toStdout = createEventPrinter(screens.steps, () => context.now().getTime());
  const toStderr = createEventPrinter(screens.notices, () => context.now().getTime());
  const runs: TargetRun[] = [];
  const syncs = assignSyncs(loaded.entries.map((entry) => ({ name: entry.target.name, config: entry.config })), realRepository);
  try {
    for (const entry of loaded.entries) {
      if (signal.aborted || (options.failFast && runs.some(failedRun))) break;
      toStdout({ kind: "notice", message: `=== target ${describeTarget(entry.target)}: ${entry.config.file}` });
      const { config, syncedBy } = syncs.get(entry.target.name) ?? { config: entry.config, syncedBy: null };
      if (syncedBy !== null) toStderr({ kind: "notice", message: syncedByNotice(config, syncedBy) });
      const run = await performRun(config, {
        exec: context.exec, env: context.env, now: context.now, signal, trigger: "manual", failFast: options.failFast, force, jobs: options.jobs,
        crashPoint: testCrashPoint(context.env),
        emit: (event) => (event.kind === "notice" || event.kind === "warning" ? toStderr(event) : toStdout(event)),
        outputRoom: () => screens.steps.room(),
      }).then((performed) => ({ entry, run: performed }), (error: unknown) => ({ entry, error: asCliError(error) }));
      if ("error" in run) toStderr({ kind: "warning", message: `target ${entry.target.name}: ${run.error.message}` });
      runs.push(run);
      if ("run" in run && run.run.result === "interrupted") break;
    }
  } finally {
    screens.steps.close();
    screens.notices.close();
  }
  printResult(context, loaded, runs, options.json);
  return exitCode(context, loaded, runs, signal.aborted);
}

/** Host problems and a held lock of one target are that target's result; the other targets still run. */
function asCliError(error: unknown): CliError {
  const converted = toCliError(error);
  if (converted instanceof CliError) return converted;
  throw converted;
}

function failedRun(run: TargetRun): boolean {
  return "error" in run || run.run.result !== "succeeded";
}

function printResult(context: CommandContext, loaded: LoadedFleetFile, runs: readonly TargetRun[], json: boolean): void {
  if (json) {
    const targets = runs.map(({ entry, ...rest }) => ({
      name: entry.target.name, labels: entry.target.labels, config: entry.config.file,
      ...("run" in rest ? { run: JSON.parse(renderRunJson(rest.run)) as unknown } : { error: rest.error.message, exitCode: rest.error.exitCode }),
    }));
    context.stdout(JSON.stringify({ version: FLEET_RUN_JSON_VERSION, fleet: loaded.fleet.path, targets }, null, 2));
    return;
  }
  const targetOf = new Map<StepOutcome, SummaryTarget>();
  for (const run of runs) {
    if ("run" in run) for (const outcome of run.run.outcome.steps) targetOf.set(outcome, { name: run.entry.target.name, configFile: run.entry.config.file });
  }
  if (targetOf.size > 0) {
    context.stdout("");
    context.stdout(renderSummary([...targetOf.keys()], (outcome) => targetOf.get(outcome)!));
  }
  for (const run of runs) if ("error" in run) context.stdout(`\n${run.entry.target.name}: did not run: ${run.error.message}`);
  const skipped = loaded.entries.filter((entry) => !runs.some((run) => run.entry === entry));
  if (skipped.length > 0) context.stdout(`\nnot started: ${skipped.map((entry) => entry.target.name).join(", ")}`);
}

/** As `run` for one config: interrupted 130; else a target that could not run its code (host 4, locked 5); else 1 for a failed step. */
function exitCode(context: CommandContext, loaded: LoadedFleetFile, runs: readonly TargetRun[], aborted: boolean): ExitCodeValue {
  const performed = runs.flatMap((run) => ("run" in run ? [run.run] : []));
  if (aborted || performed.some((run) => run.result === "interrupted")) {
    throw new CliError("interrupted: the running container was stopped and its snapshot removed; the remaining tasks and targets did not run", ExitCode.interrupted);
  }
  const failed = performed.flatMap((run) => run.outcome.steps.filter(didNotSucceed).map(() => run.plan.logDir));
  const total = performed.reduce((sum, run) => sum + run.outcome.steps.length, 0);
  if (failed.length > 0) context.stderr(`${failed.length} of ${total} step(s) did not succeed; logs are in ${[...new Set(failed)].join(", ")}`);
  const notRun = runs.find((run): run is Extract<TargetRun, { error: CliError }> => "error" in run);
  if (notRun) return notRun.error.exitCode;
  if (runs.length < loaded.entries.length) return ExitCode.buildFailed;
  return failed.length > 0 ? ExitCode.buildFailed : ExitCode.ok;
}

/** --force alone forces every task of every target; --force with names, those (each a task of some picked target). */
function readFleetForce(entries: readonly FleetEntry[], force: boolean, names: readonly string[]): true | Set<string> {
  if (names.length > 0 && !force) throw new CliError(`unexpected ${names.join(" ")}: to rebuild tasks, name them after --force`, ExitCode.usage);
  if (!force) return new Set();
  if (names.length === 0) return true;
  const known = new Set(entries.flatMap((entry) => entry.config.tasks.map((task) => task.id)));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new CliError(`--force: no task ${unknown.join(", ")} in the targets ${entries.map((e) => e.target.name).join(", ")}; their tasks are: ${[...known].join(", ")}`, ExitCode.usage);
  return new Set(names);
}
