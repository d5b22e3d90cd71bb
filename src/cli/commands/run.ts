import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { removeLeftoverSnapshots } from "../../container/leftovers.js";
import { acquireStageLock, isProcessAlive, StageLockedError, type StageLock } from "../../container/stage-lock.js";
import { runPlan } from "../../engine/run-plan.js";
import { createStateObserver } from "../../engine/state-observer.js";
import { hashText } from "../../config/tasks.js";
import { openStateDatabase, type StateDatabase } from "../../state/database.js";
import { readBinpkgbotVersion } from "../../state/read-inputs.js";
import type { RunResult } from "../../state/runs.js";
import type { Config } from "../../config/config.js";
import type { HostFacts } from "../../container/host.js";
import { planRun, stageLockFile } from "../../plan/plan-run.js";
import { stageLayout } from "../../stage/layout.js";
import { recoverStage, type CrashPoint } from "../../stage/transaction.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { makeRunId, readHostFacts, runIdProcess } from "../host-facts.js";
import { loadConfigOrFail } from "../load-config.js";
import { createEventPrinter, renderSummary } from "../print-run.js";

export const runHelp = `usage: binpkgbot [run] [-c FILE] [--fail-fast] [--force [TASK…]]

Syncs the repository, then runs every task of binpkgbot.yml, each in its own systemd-nspawn
container over the stage, and prints a summary with the binpkgs each task added.
A failed task does not stop the others, unless it was changing the stage.
A task whose inputs (repository revision, etc_portage, stage generation, the task and its
modifiers, binpkgbot's version) are those of its last successful run is skipped.
  --fail-fast        stop at the first failed task
  --force [TASK…]    run these tasks (all, without names) even if nothing changed`;

// --pipe appeared in systemd 247; without it containers hang at a read-only console.
const MIN_NSPAWN = 247;

export async function runCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args: context.args, allowPositionals: true, strict: true,
    options: { "fail-fast": { type: "boolean", default: false }, force: { type: "boolean", default: false } },
  });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const force = readForce(config, values.force, positionals);
  const lock = await lockStage(context, config.stage);
  const state = await openRunState(context, config);
  let result: RunResult = "interrupted";
  try {
    const crashPoint = testCrashPoint(context.env);
    await recoverFromEarlierRuns(context, config, crashPoint);
    const facts = await readHostFacts(context.exec, config.stage, context.env);
    await checkHost(config, facts.host);
    const plan = planRun({ config, host: facts.plan, runId: makeRunId(context.now()) });
    for (const warning of plan.warnings) context.stderr(`warning: ${warning}`);
    const observer = createStateObserver({
      db: state.db, runId: state.runId, config, exec: context.exec, now: context.now, binpkgbotVersion: await readBinpkgbotVersion(), force,
    });
    const outcome = await runPlan(plan, {
      exec: context.exec, emit: createEventPrinter(context.stdout), clock: () => context.now().getTime(), signal, env: context.env, crashPoint, observer,
    }, { failFast: values["fail-fast"] });
    const failed = outcome.steps.filter((step) => !["succeeded", "skipped"].includes(step.result)).length;
    result = outcome.interrupted ? "interrupted" : failed > 0 ? "failed" : "succeeded";
    context.stdout("");
    context.stdout(renderSummary(outcome.steps));
    if (outcome.interrupted) throw new CliError("interrupted: the running container was stopped and its snapshot removed; the remaining tasks did not run", ExitCode.interrupted);
    if (failed > 0) context.stderr(`${failed} of ${outcome.steps.length} step(s) did not succeed; logs are in ${plan.logDir}`);
    return failed > 0 ? ExitCode.buildFailed : ExitCode.ok;
  } finally {
    state.db.finishRun(state.runId, { endedAt: context.now(), result });
    state.db.close();
    await lock.release();
  }
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

/** The state database, with a run in it; a run that a kill -9 ended is marked interrupted first. */
async function openRunState(context: CommandContext, config: Config): Promise<{ db: StateDatabase; runId: number }> {
  await mkdir(config.stateDir, { recursive: true });
  const db = openStateDatabase(config.stateDir);
  const recovered = db.recoverInterrupted(context.now());
  if (recovered.tasks > 0 || recovered.runs > 0) context.stderr(`recorded ${recovered.tasks} task(s) of a run that was killed as interrupted; they run again now`);
  const configHash = hashText((await Promise.all(config.files.map((file) => readFile(file, "utf8")))).join("\0"), 16);
  const runId = db.startRun({ startedAt: context.now(), trigger: "manual", configFile: config.file, configHash });
  return { db, runId };
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
  await removeDeadRunsWorkFiles(config.stateDir);
  const leftovers = await removeLeftoverSnapshots(config.stage, { exec: context.exec });
  for (const removed of leftovers.removed) context.stderr(`removed a snapshot left by an interrupted run: ${removed}`);
  for (const skipped of leftovers.skipped) context.stderr(`warning: left ${skipped.path} alone: ${skipped.reason}`);
}

/** Work files of runs whose process is gone (a kill -9): copies of etc_portage and scripts, nothing else. */
async function removeDeadRunsWorkFiles(stateDir: string): Promise<void> {
  const workRoot = path.join(stateDir, "work");
  for (const runId of await readdir(workRoot).catch(() => [] as string[])) {
    const pid = runIdProcess(runId);
    if (pid === null || pid === process.pid || isProcessAlive(pid)) continue;
    await rm(path.join(workRoot, runId), { recursive: true, force: true });
  }
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
