import type { Config } from "../../config/config.js";
import { StageLockedError, StageLockError } from "../../container/stage-lock.js";
import { didNotSucceed, HostProblem, performRun } from "../../engine/perform-run.js";
import type { CrashPoint } from "../../stage/transaction.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { LoadedConfig } from "../load-config.js";
import { loadConfigCachedOrFail } from "../load-config-cached.js";
import { createEventPrinter, renderSummary } from "../print-run.js";
import { renderRunJson } from "../run-json.js";
import { openRunScreens } from "../run-screen.js";

export const runHelp = `usage: binpkgbot [run] [-c FILE] [--jobs N|auto] [--fail-fast] [--force [TASK…]] [--json] [--target NAME]

Syncs the repository, then runs every task of binpkgbot.yml, each in its own systemd-nspawn
container over the stage, and prints a summary with the binpkgs each task added.
A failed task does not stop the others. A persisting task runs on a snapshot that becomes the
stage only if it succeeds. A task whose inputs (repository revision, etc_portage, stage
generation, the task and its modifiers, binpkgbot's version) are those of its last successful
run is skipped. A download that failed is retried (retries); a task that failed in a way that
repeats with the same inputs is skipped until they change (quarantine).
  --jobs N|auto      run up to N tasks at once (auto: one per online CPU); wins over 'jobs' in the config
  --fail-fast        stop at the first failed task, and the tasks running beside it
  --force [TASK…]    run these tasks (all, without names) even if nothing changed or they keep failing
  --json             print the result as a JSON document (each step's failure under "failure")
                     instead of the summary; the steps' own lines go to stderr then
  --target NAME      with a fleet file (-c binpkgbot-fleet.yml): run only this target. Without it every
                     target runs, one after the other in the file's order, each as its own config would;
                     one summary names each step's target. A target whose stage is missing or locked is
                     reported and the others still run (exit 4 or 5)`;

export async function runCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs("run", {
    args: context.args, allowPositionals: true, strict: true,
    options: { jobs: { type: "string" }, "fail-fast": { type: "boolean", default: false }, force: { type: "boolean", default: false }, json: { type: "boolean", default: false }, target: { type: "string" } },
  });
  // A one-target config from the cache first (no YAML parser at start-up); a fleet file, a --target or a
  // config with problems goes through the loader that tells a fleet from a config and says what is wrong.
  let single: LoadedConfig | null = values.target === undefined ? await loadConfigCachedOrFail(context.configFile, context.env).catch(() => null) : null;
  if (single === null) {
    const { loadConfigOrFleetOrFail } = await import("../fleet/load-fleet.js");
    const loaded = loadConfigOrFleetOrFail(context.configFile, values.target);
    if (loaded.kind === "fleet") {
      const jobs = values.jobs === undefined ? undefined : readJobs(values.jobs);
      const { runFleet } = await import("../fleet/fleet-run.js");
      return runFleet(context, signal, loaded, { jobs, failFast: values["fail-fast"], force: values.force, names: positionals, json: values.json });
    }
    single = loaded;
  }
  const { config, warnings } = single;
  for (const warning of warnings) context.stderr(warning);
  const force = readForce(config, values.force, positionals);
  const jobs = values.jobs === undefined ? undefined : readJobs(values.jobs);
  const screens = openRunScreens(context.streams ?? null, { stdout: context.stdout, stderr: context.stderr }, { json: values.json, env: context.env, clock: () => context.now().getTime() });
  const toStdout = createEventPrinter(screens.steps, () => context.now().getTime());
  const toStderr = createEventPrinter(screens.notices, () => context.now().getTime());
  const run = await performRun(config, {
    exec: context.exec, env: context.env, now: context.now, signal, trigger: "manual", failFast: values["fail-fast"], force, jobs,
    crashPoint: testCrashPoint(context.env),
    // Notices and warnings about the run itself go to stderr; the steps' own lines to stdout.
    emit: (event) => (event.kind === "notice" || event.kind === "warning" ? toStderr(event) : toStdout(event)),
    outputRoom: () => screens.steps.room(),
  }).catch((error: unknown) => {
    throw toCliError(error);
  }).finally(() => {
    screens.steps.close();
    screens.notices.close();
  });
  if (values.json) context.stdout(renderRunJson(run));
  else {
    context.stdout("");
    context.stdout(renderSummary(run.outcome.steps));
  }
  if (run.result === "interrupted") throw new CliError("interrupted: the running container was stopped and its snapshot removed; the remaining tasks did not run", ExitCode.interrupted);
  const failed = run.outcome.steps.filter(didNotSucceed).length;
  if (failed > 0) context.stderr(`${failed} of ${run.outcome.steps.length} step(s) did not succeed; logs are in ${run.plan.logDir}`);
  return failed > 0 ? ExitCode.buildFailed : ExitCode.ok;
}

export function toCliError(error: unknown): unknown {
  if (error instanceof StageLockedError) return new CliError(error.message, ExitCode.locked, { cause: error });
  if (error instanceof StageLockError || error instanceof HostProblem) return new CliError(error.message, ExitCode.host, { cause: error });
  return error;
}

/** --jobs N (a whole number of at least 1) or --jobs auto. */
export function readJobs(text: string): number | "auto" {
  if (text === "auto") return "auto";
  if (/^[1-9][0-9]{0,5}$/.test(text)) return Number(text);
  throw new CliError(`--jobs ${text}: expected a whole number of at least 1, or auto (e.g. --jobs 4)`, ExitCode.usage);
}

/** --force alone forces every task; --force with names, those (which must exist). */
function readForce(config: Config, force: boolean, names: string[]): true | Set<string> {
  if (names.length > 0 && !force) throw new CliError(`unexpected ${names.join(" ")}: to rebuild tasks, name them after --force`, ExitCode.usage);
  if (!force) return new Set();
  if (names.length === 0) return true;
  const known = new Set(config.tasks.map((task) => task.id));
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new CliError(`--force: no task ${unknown.join(", ")} in ${config.file}; the tasks are: ${[...known].join(", ")}`, ExitCode.usage);
  return new Set(names);
}

/**
 * Test-only: BINPKGBOT_TEST_CRASH_POINT=NAME kills this process with SIGKILL at that step of a stage
 * swap, so that tests can prove the next start always finds a complete stage.
 */
export function testCrashPoint(env: NodeJS.ProcessEnv): ((name: CrashPoint) => void) | undefined {
  const wanted = env.BINPKGBOT_TEST_CRASH_POINT;
  if (!wanted) return undefined;
  return (name) => {
    if (name === wanted) process.kill(process.pid, "SIGKILL");
  };
}
