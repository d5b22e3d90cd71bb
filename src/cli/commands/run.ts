import { mkdir, stat } from "node:fs/promises";
import { parseArgs } from "node:util";
import { removeLeftoverSnapshots } from "../../container/leftovers.js";
import { acquireStageLock, StageLockedError, type StageLock } from "../../container/stage-lock.js";
import { runPlan } from "../../engine/run-plan.js";
import type { Config } from "../../config/config.js";
import type { HostFacts } from "../../container/host.js";
import { planRun, stageLockFile } from "../../plan/plan-run.js";
import { stageLayout } from "../../stage/layout.js";
import { recoverStage, type CrashPoint } from "../../stage/transaction.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { makeRunId, readHostFacts } from "../host-facts.js";
import { loadConfigOrFail } from "../load-config.js";
import { createEventPrinter, renderSummary } from "../print-run.js";

export const runHelp = `usage: binpkgbot [run] [-c FILE] [--fail-fast]

Syncs the repository, then runs every task of binpkgbot.yml, each in its own systemd-nspawn
container over the stage, and prints a summary with the binpkgs each task added.
A failed task does not stop the others, unless it was changing the stage.
  --fail-fast   stop at the first failed task`;

// --pipe appeared in systemd 247; without it containers hang at a read-only console.
const MIN_NSPAWN = 247;

export async function runCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseArgs({ args: context.args, options: { "fail-fast": { type: "boolean", default: false } }, strict: true });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const lock = await lockStage(context, config.stage);
  try {
    const crashPoint = testCrashPoint(context.env);
    await recoverFromEarlierRuns(context, config, crashPoint);
    const facts = await readHostFacts(context.exec, config.stage, context.env);
    await checkHost(config, facts.host);
    const plan = planRun({ config, host: facts.plan, runId: makeRunId(context.now()) });
    for (const warning of plan.warnings) context.stderr(`warning: ${warning}`);
    const outcome = await runPlan(plan, {
      exec: context.exec, emit: createEventPrinter(context.stdout), clock: () => context.now().getTime(), signal, env: context.env, crashPoint,
    }, { failFast: values["fail-fast"] });
    context.stdout("");
    context.stdout(renderSummary(outcome.steps));
    if (outcome.interrupted) throw new CliError("interrupted: the running container was stopped and its snapshot removed; the remaining tasks did not run", ExitCode.interrupted);
    const failed = outcome.steps.filter((step) => step.result !== "succeeded").length;
    if (failed > 0) context.stderr(`${failed} of ${outcome.steps.length} step(s) did not succeed; logs are in ${plan.logDir}`);
    return failed > 0 ? ExitCode.buildFailed : ExitCode.ok;
  } finally {
    await lock.release();
  }
}

/** One run per stage; the lock is taken before anything else looks at or changes the stage. */
export async function lockStage(context: CommandContext, stage: string): Promise<StageLock> {
  const lock = await acquireStageLock(stageLockFile(stage), { pid: process.pid, now: context.now() }).catch((error: unknown) => {
    if (error instanceof StageLockedError) throw new CliError(error.message, ExitCode.locked, { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot lock the stage ${stage}: ${reason}; check that its directory exists and is writable`, ExitCode.host, { cause: error });
  });
  if (lock.staleLockRemoved) context.stderr(`removed a stale lock of PID ${lock.staleLockRemoved.pid} (since ${lock.staleLockRemoved.since}), which is no longer running`);
  return lock;
}

/** Finishes or undoes a stage swap a crash interrupted, and removes snapshots a hard kill left. */
async function recoverFromEarlierRuns(context: CommandContext, config: Config, crashPoint?: (name: CrashPoint) => void): Promise<void> {
  for (const message of await recoverStage(stageLayout(config.stage), { exec: context.exec, now: context.now, crashPoint })) context.stderr(message);
  const leftovers = await removeLeftoverSnapshots(config.stage, { exec: context.exec });
  for (const removed of leftovers.removed) context.stderr(`removed a snapshot left by an interrupted run: ${removed}`);
  for (const skipped of leftovers.skipped) context.stderr(`warning: left ${skipped.path} alone: ${skipped.reason}`);
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

async function checkHost(config: Config, host: HostFacts): Promise<void> {
  if (host.nspawnPath === null) throw new CliError("systemd-nspawn not found in PATH: install it (Gentoo: sys-apps/systemd; Debian: apt-get install systemd-container)", ExitCode.host);
  if (host.nspawnVersion !== null && host.nspawnVersion < MIN_NSPAWN) {
    throw new CliError(`systemd-nspawn ${host.nspawnVersion} is too old: binpkgbot needs ${MIN_NSPAWN} or newer (for --pipe)`, ExitCode.host);
  }
  for (const [key, dir] of [["stage", config.stage], ["etc_portage", config.etcPortage], ["portage_repo", config.portageRepo]] as const) {
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) throw new CliError(`${key} ${dir} is not a directory: create it or fix '${key}' in ${config.file}`, ExitCode.host);
  }
  for (const dir of [config.pkgdir, config.distdir, config.stateDir]) if (dir !== null) await mkdir(dir, { recursive: true });
}
