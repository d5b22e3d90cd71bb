// One whole run of a config: lock the stage, recover from earlier crashes, read host facts, plan, run the
// plan with the state database watching, and release everything. `binpkgbot run` and the daemon call it.
import { mkdir, readdir, readFile, realpath, rm, stat } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { Config } from "../config/config.js";
import { defaultStateDir, STATE_ROOT } from "../config/default-state-dir.js";
import { DEFAULT_LOG_RETENTION, normalizeLogRetention } from "../config/log-retention.js";
import { formatIssue } from "../config/issues.js";
import { hashText } from "../config/tasks.js";
import { canRegisterMachine, probeHost, type HostFacts } from "../container/host.js";
import { bindProblems, readBindFacts } from "../doctor/binds.js";
import { readFilesystemType } from "../container/filesystem.js";
import { removeLeftoverCgroups, removeLeftoverSnapshots } from "../container/leftovers.js";
import { checkMemoryLimit, nodeMemoryLimitDeps, readMemoryLimitMethod } from "../container/memory-limit.js";
import { acquireStageLock, isProcessAlive, type StageLock } from "../container/stage-lock.js";
import type { Exec } from "../exec/exec.js";
import { diskConfigFiles } from "../io/config-files.js";
import { readModifierWarnings } from "../io/repository-facts.js";
import { renderKeepFailedNotice } from "../plan/plan-keep-failed.js";
import { planRun, stageLockFile } from "../plan/plan-run.js";
import type { Plan, PlanHostFacts } from "../plan/plan.js";
import { stageLayout } from "../stage/layout.js";
import { describeHold, readHold } from "../stage/hold.js";
import { removeHalfMadeKept } from "../stage/kept-failed.js";
import { recoverStage, type CrashPoint } from "../stage/transaction.js";
import { publishAfterRun, recoverConfigReleases } from "../releases/publish-config.js";
import { serversCoverageCheck } from "../coverage/publish-coverage.js";
import { coverageRecord } from "../coverage/coverage-report.js";
import { adoptSharedState } from "../state/adopt-shared-state.js";
import { openStateDatabase, type StateDatabase } from "../state/database.js";
import { takeForcedTasks } from "../state/forced-tasks.js";
import { readBinpkgbotVersion, readRepoRevision } from "../state/read-inputs.js";
import type { RunResult, RunTrigger } from "../state/runs.js";
import type { EngineEvent, StepOutcome } from "./events.js";
import { runPlan, type EngineDeps, type RunOutcome } from "./run-plan.js";
import { removeExpiredRuns } from "./remove-expired-runs.js";
import { sleepUnlessAborted } from "./retry-step.js";
import { createStateObserver } from "./state-observer.js";

export interface PerformRunOptions {
  exec: Exec;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  signal: AbortSignal;
  emit: (event: EngineEvent) => void;
  /** See EngineDeps.outputRoom. */
  outputRoom?: () => Promise<void> | null;
  trigger: RunTrigger;
  failFast: boolean;
  /** Task ids to run whatever their fingerprint; `true`: all. */
  force: true | ReadonlySet<string>;
  crashPoint?: (name: CrashPoint) => void;
  /** Which steps: all (default), only the repository sync, or only the tasks (the daemon syncs apart). */
  steps?: "all" | "sync" | "tasks";
  /** Waits between attempts of a retried step; default sleepUnlessAborted. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** `--jobs`: wins over the config's `jobs`. */
  jobs?: number | "auto";
  /** The steps run elsewhere (fleet workers): see EngineDeps.carryOut. */
  carryOut?: EngineDeps["carryOut"];
}

export interface PerformedRun {
  plan: Plan;
  outcome: RunOutcome;
  result: Exclude<RunResult, "running">;
  /** The run's id in the state database (a daemon sync that changed nothing is not kept there). */
  runId: number;
}

/** The host cannot run containers as configured; the message says what to install or fix. */
export class HostProblem extends Error {
  override readonly name = "HostProblem";
}

// --pipe appeared in systemd 247; without it containers hang at a read-only console.
const MIN_NSPAWN = 247;

/**
 * A compact run id that sorts by time, is safe in a path and is unique on the host; its process id
 * tells a later run whether the run that left work files behind is still alive. Milliseconds, because
 * the daemon's sync and task runs of one tick start within the same second, in the same process.
 */
export function makeRunId(now: Date, pid: number = process.pid): string {
  return `${now.toISOString().replace(/[-:.]/g, "")}-${pid}`;
}

export function runIdProcess(runId: string): number | null {
  const match = /-(\d+)$/.exec(runId);
  return match ? Number(match[1]) : null;
}

export async function readPlanHostFacts(exec: Exec, stage: string, env: NodeJS.ProcessEnv): Promise<{ host: HostFacts; plan: PlanHostFacts }> {
  const host = await probeHost({ exec, path: env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" });
  const stageFilesystem = await readFilesystemType(stage).catch(() => null);
  return { host, plan: { systemdPid1: canRegisterMachine(host), stageFilesystem } };
}

export async function performRun(config: Config, options: PerformRunOptions): Promise<PerformedRun> {
  // The lock lives beside the stage: without that directory there is no stage either.
  if (!(await stat(path.dirname(config.stage)).catch(() => null))?.isDirectory()) {
    throw new HostProblem(`stage ${config.stage} does not exist (nor ${path.dirname(config.stage)}): create it with binpkgbot stage init --from STAGE3.tar.xz -c ${config.file}`);
  }
  const lock = await acquireStageLock(stageLockFile(config.stage), { pid: process.pid, now: options.now() });
  try {
    return await runLocked(config, options, lock);
  } finally {
    await lock.release();
  }
}

async function runLocked(config: Config, options: PerformRunOptions, lock: StageLock): Promise<PerformedRun> {
  const notice = (message: string): void => options.emit({ kind: "notice", message });
  if (lock.staleLockRemoved) notice(`removed a stale lock of PID ${lock.staleLockRemoved.pid} (since ${lock.staleLockRemoved.since}), which is no longer running`);
  await adoptDefaultState(config, notice);
  await recoverFromEarlierRuns(config, options, notice);
  const facts = await readPlanHostFacts(options.exec, config.stage, options.env);
  await checkHost(config, facts.host);
  const fullPlan = planRun({ config, host: facts.plan, runId: makeRunId(options.now()) });
  const plan = { ...fullPlan, steps: fullPlan.steps.filter((step) => wanted(options.steps ?? "all", step.task.kind === "sync")) };
  for (const warning of plan.warnings) options.emit({ kind: "warning", message: warning });
  // Without the level in the message: a warning event is printed as one already.
  for (const warning of await readModifierWarnings(config, diskConfigFiles)) options.emit({ kind: "warning", message: formatIssue({ ...warning, severity: undefined }) });
  const keepFailedNotice = renderKeepFailedNotice(config, facts.plan, plan.steps);
  if (keepFailedNotice !== null) notice(keepFailedNotice);
  const hold = await readHold(stageLayout(config.stage));
  const persistHeld = hold && plan.steps.some((step) => step.persist) ? describeHold(hold) : null;
  if (persistHeld !== null) options.emit({ kind: "warning", message: persistHeld });
  const { db, runId } = await openRunState(config, options, notice);
  const syncOnly = options.steps === "sync" ? await quietSync(config, options.exec) : null;
  let result: PerformedRun["result"] = "interrupted";
  // Loaded only with build_jobs: most runs have no job pool.
  const jobserver = config.buildJobs ? new (await import("../jobserver/fifo-jobserver.js")).FifoJobserver(config.buildJobs, { exec: options.exec }) : undefined;
  try {
    const observer = createStateObserver({
      db, runId, config, exec: options.exec, now: options.now, binpkgbotVersion: await readBinpkgbotVersion(), force: await withForcedFromDashboard(config, options),
    });
    const outcome = await runPlan(plan, {
      exec: options.exec, emit: options.emit, outputRoom: options.outputRoom, clock: () => options.now().getTime(), signal: options.signal, env: options.env,
      crashPoint: options.crashPoint, observer, sleep: options.sleep ?? sleepUnlessAborted, jobserver, carryOut: options.carryOut,
    }, { failFast: options.failFast, persistHeld, jobs: resolveJobs(options.jobs ?? config.jobs ?? 1), durations: db.lastDurations() });
    const failed = outcome.steps.some(didNotSucceed);
    result = outcome.interrupted ? "interrupted" : failed ? "failed" : "succeeded";
    return { plan, outcome, result, runId };
  } finally {
    jobserver?.stop();
    try {
      db.finishRun(runId, { endedAt: options.now(), result });
      if (result === "succeeded" && await syncOnly?.changedNothing()) await forgetRun(db, runId, plan);
      else if (options.steps !== "sync") reportPublish(options, await publishAfterRun(config, { result, runId }, {
        exec: options.exec, now: options.now,
        coverage: serversCoverageCheck({ exec: options.exec, systemdPid1: facts.host.systemdPid1, runId: plan.runId, signal: options.signal },
          (results) => db.recordServerCoverage(results.map((entry) => coverageRecord(entry, options.now())))),
      }));
      await expireOldRuns(config, db, options);
    } finally {
      db.close();
    }
  }
}

/**
 * The daemon syncs on every tick; a sync that left the repository at the same revision changed
 * nothing, so it leaves neither a log directory nor a record (an hourly daemon would pile up one per
 * tick). A sync that failed, or that brought something new, is kept.
 */
async function quietSync(config: Config, exec: Exec): Promise<{ changedNothing(): Promise<boolean> } | null> {
  const revision = (): Promise<string | null> => readRepoRevision(config.portageRepo, exec).catch(() => null);
  const before = await revision();
  return before === null ? null : { changedNothing: async () => (await revision()) === before };
}

async function forgetRun(db: StateDatabase, runId: number, plan: Plan): Promise<void> {
  db.deleteRun(runId);
  for (const dir of new Set(plan.steps.flatMap((step) => [path.dirname(step.logFile), path.dirname(step.workDir)]))) await rm(dir, { recursive: true, force: true });
}

function reportPublish(options: PerformRunOptions, said: { notice?: string; warning?: string }): void {
  if (said.notice !== undefined) options.emit({ kind: "notice", message: said.notice });
  if (said.warning !== undefined) options.emit({ kind: "warning", message: said.warning });
}

/** log_retention, after the run and still under the stage lock, so no run of this stage is writing. */
async function expireOldRuns(config: Config, db: StateDatabase, options: PerformRunOptions): Promise<void> {
  const retention = config.logRetention ?? normalizeLogRetention(DEFAULT_LOG_RETENTION, () => undefined);
  const expired = await removeExpiredRuns(config.stateDir, retention, db.newestTaskLogs(), { now: options.now(), pid: process.pid, isProcessAlive });
  for (const problem of expired.problems) options.emit({ kind: "warning", message: problem });
}

function wanted(steps: "all" | "sync" | "tasks", isSync: boolean): boolean {
  return steps === "all" || (steps === "sync") === isSync;
}

/** A config on the default state_dir takes over the state older versions kept shared (src/state/adopt-shared-state.ts). */
async function adoptDefaultState(config: Config, notice: (message: string) => void): Promise<void> {
  const real = await realpath(config.file).catch(() => config.file);
  if (config.stateDir !== defaultStateDir(real)) return;
  const message = await adoptSharedState({ configFiles: [config.file, real], stateDir: config.stateDir, sharedDir: STATE_ROOT }).catch((error: unknown) =>
    `could not take over the state in ${STATE_ROOT}: ${(error as Error).message}; this config's history starts in ${config.stateDir}`);
  if (message !== null) notice(message);
}

/** Finishes or undoes a stage swap a crash interrupted, and removes what a hard kill left behind. */
async function recoverFromEarlierRuns(config: Config, options: PerformRunOptions, notice: (message: string) => void): Promise<void> {
  for (const message of await recoverStage(stageLayout(config.stage), { exec: options.exec, now: options.now, crashPoint: options.crashPoint })) notice(message);
  for (const message of await recoverConfigReleases(config, { exec: options.exec, now: options.now })) notice(message);
  await removeDeadRunsWorkFiles(config.stateDir);
  // nspawn's ephemeral copies, and the snapshots binpkgbot made for throw-away steps (src/stage/kept-failed.ts).
  for (const leftovers of [await removeLeftoverSnapshots(config.stage, { exec: options.exec }), await removeHalfMadeKept(stageLayout(config.stage), { exec: options.exec })]) {
    for (const removed of leftovers.removed) notice(`removed a snapshot left by an interrupted run: ${removed}`);
    for (const skipped of leftovers.skipped) options.emit({ kind: "warning", message: `left ${skipped.path} alone: ${skipped.reason}` });
  }
  const cgroups = await removeLeftoverCgroups(nodeMemoryLimitDeps(), isProcessAlive);
  for (const removed of cgroups.removed) notice(`removed a memory cgroup left by an interrupted run: ${removed}`);
  for (const problem of cgroups.problems) options.emit({ kind: "warning", message: problem });
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

/** The state database, with a run in it; tasks of a run that a kill -9 ended are marked interrupted first. */
async function openRunState(config: Config, options: PerformRunOptions, notice: (message: string) => void): Promise<{ db: StateDatabase; runId: number }> {
  await mkdir(config.stateDir, { recursive: true });
  const db = openStateDatabase(config.stateDir);
  const recovered = db.recoverInterrupted(options.now());
  if (recovered.tasks > 0 || recovered.runs > 0) notice(`recorded ${recovered.tasks} task(s) of a run that was killed as interrupted; they run again now`);
  const configHash = hashText((await Promise.all(config.files.map((file) => readFile(file, "utf8")))).join("\0"), 16);
  const runId = db.startRun({ startedAt: options.now(), trigger: options.trigger, configFile: config.file, configHash });
  return { db, runId };
}

async function checkHost(config: Config, host: HostFacts): Promise<void> {
  if (host.nspawnPath === null) throw new HostProblem("systemd-nspawn not found in PATH: install it (Gentoo: sys-apps/systemd; Debian: apt-get install systemd-container)");
  if (host.nspawnVersion !== null && host.nspawnVersion < MIN_NSPAWN) {
    throw new HostProblem(`systemd-nspawn ${host.nspawnVersion} is too old: binpkgbot needs ${MIN_NSPAWN} or newer (for --pipe)`);
  }
  for (const [key, dir] of [["stage", config.stage], ["etc_portage", config.etcPortage], ["portage_repo", config.portageRepo]] as const) {
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) throw new HostProblem(`${key} ${dir} is not a directory: create it or fix '${key}' in ${config.file}`);
  }
  // Before any container: nspawn would stop each one at a bind it cannot make, and every task would fail.
  const binds = bindProblems(await readBindFacts(config.binds, config.stage), config.file);
  if (binds.length > 0) throw new HostProblem(binds.join("\n"));
  // Before any container: a limit that cannot be applied must not become a silent unlimited run.
  if (config.memoryMax || config.tasks.some((task) => task.memoryMax !== undefined)) {
    const deps = nodeMemoryLimitDeps();
    const problem = await checkMemoryLimit(await readMemoryLimitMethod(host.systemdPid1, deps), deps);
    if (problem !== null) throw new HostProblem(`${problem} (memory_max in ${config.file})`);
  }
  for (const dir of [config.pkgdir, config.distdir, config.stateDir]) if (dir !== null) await mkdir(dir, { recursive: true });
}

/** `jobs: auto` is one task per CPU this process may run on (os.availableParallelism(), which honours the affinity mask). */
export function resolveJobs(jobs: number | "auto", cpus: () => number = availableParallelism): number {
  return jobs === "auto" ? Math.max(1, cpus()) : jobs;
}

/** A step that failed, was interrupted or not run, or was skipped because it keeps failing (quarantined). */
export function didNotSucceed(outcome: StepOutcome): boolean {
  return outcome.stillFailing === true || !["succeeded", "skipped"].includes(outcome.result);
}

/** The tasks forced by the dashboard join --force; taken under the stage lock, so only this run takes them. */
async function withForcedFromDashboard(config: Config, options: PerformRunOptions): Promise<true | ReadonlySet<string>> {
  if (options.force === true || options.steps === "sync") return options.force;
  return new Set([...options.force, ...(await takeForcedTasks(config.stateDir))]);
}
