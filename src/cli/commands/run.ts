import type { Config } from "../../config/config.js";
import { StageLockedError, StageLockError } from "../../container/stage-lock.js";
import { HostProblem, performRun } from "../../engine/perform-run.js";
import type { CrashPoint } from "../../stage/transaction.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { createEventPrinter, renderSummary } from "../print-run.js";

export const runHelp = `usage: binpkgbot [run] [-c FILE] [--fail-fast] [--force [TASK…]]

Syncs the repository, then runs every task of binpkgbot.yml, each in its own systemd-nspawn
container over the stage, and prints a summary with the binpkgs each task added.
A failed task does not stop the others. A persisting task runs on a snapshot that becomes the
stage only if it succeeds. A task whose inputs (repository revision, etc_portage, stage
generation, the task and its modifiers, binpkgbot's version) are those of its last successful
run is skipped.
  --fail-fast        stop at the first failed task
  --force [TASK…]    run these tasks (all, without names) even if nothing changed`;

export async function runCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs("run", {
    args: context.args, allowPositionals: true, strict: true,
    options: { "fail-fast": { type: "boolean", default: false }, force: { type: "boolean", default: false } },
  });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const force = readForce(config, values.force, positionals);
  const toStdout = createEventPrinter(context.stdout);
  const toStderr = createEventPrinter(context.stderr);
  const run = await performRun(config, {
    exec: context.exec, env: context.env, now: context.now, signal, trigger: "manual", failFast: values["fail-fast"], force,
    crashPoint: testCrashPoint(context.env),
    // Notices and warnings about the run itself go to stderr; the steps' own lines to stdout.
    emit: (event) => (event.kind === "notice" || event.kind === "warning" ? toStderr(event) : toStdout(event)),
  }).catch((error: unknown) => {
    throw toCliError(error);
  });
  context.stdout("");
  context.stdout(renderSummary(run.outcome.steps));
  if (run.result === "interrupted") throw new CliError("interrupted: the running container was stopped and its snapshot removed; the remaining tasks did not run", ExitCode.interrupted);
  const failed = run.outcome.steps.filter((step) => !["succeeded", "skipped"].includes(step.result)).length;
  if (failed > 0) context.stderr(`${failed} of ${run.outcome.steps.length} step(s) did not succeed; logs are in ${run.plan.logDir}`);
  return failed > 0 ? ExitCode.buildFailed : ExitCode.ok;
}

export function toCliError(error: unknown): unknown {
  if (error instanceof StageLockedError) return new CliError(error.message, ExitCode.locked, { cause: error });
  if (error instanceof StageLockError || error instanceof HostProblem) return new CliError(error.message, ExitCode.host, { cause: error });
  return error;
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
function testCrashPoint(env: NodeJS.ProcessEnv): ((name: CrashPoint) => void) | undefined {
  const wanted = env.BINPKGBOT_TEST_CRASH_POINT;
  if (!wanted) return undefined;
  return (name) => {
    if (name === wanted) process.kill(process.pid, "SIGKILL");
  };
}
