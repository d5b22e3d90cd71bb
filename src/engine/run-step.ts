// One attempt of one step on its own cleanup stack, in three pieces: open (work files, snapshot, log,
// transaction), run (the container or host command) and judge (the result, what it added, commit or
// keep). Several steps may run at once: each has its own work directory, log, snapshot and machine
// name (src/plan/plan-run.ts names them by task), and what they share goes through `StepContext`.
import { open, type FileHandle } from "node:fs/promises";
import { runContainer } from "../container/run-container.js";
import type { ExecOptions, ExecResult } from "../exec/exec.js";
import { checkVariant } from "../failure/variant-check.js";
import type { Failure } from "../failure/failure.js";
import type { Plan, Step } from "../plan/plan.js";
import type { PackagesIndex } from "../portage/packages-index.js";
import { readPackagesIndex, type PkgdirClaims } from "./binpkg-index.js";
import { CleanupStack } from "./cleanup-stack.js";
import { binpkgbotCommand } from "./cli-hint.js";
import type { StepDecision, StepOutcome } from "./events.js";
import { followLog } from "./follow-log.js";
import { openJobSlot } from "./job-slot.js";
import { openThrowAwaySnapshot, type ThrowAwaySnapshot, type ThrowAwaySnapshots } from "./keep-failed-step.js";
import { renderLogHeader } from "./log-header.js";
import { findMissingMountPoints, removeMountPoints } from "./mount-points.js";
import type { EngineDeps } from "./run-plan.js";
import { SIGNAL_REASON, stoppedReason } from "./scheduler.js";
import { openTransaction, type OpenTransaction } from "./stage-step.js";
import { OutputTail, ranStepFailure, unstartedStepFailure } from "./step-failure.js";
import type { WorkFiles } from "./work-files.js";

/** What the steps of one run share. */
export interface StepContext {
  plan: Plan;
  deps: EngineDeps;
  work: WorkFiles;
  pkgdir: PkgdirClaims;
  /** Runs one piece at a time across the run's steps (pruning kept failed snapshots is one). */
  serial: <T>(piece: () => Promise<T>) => Promise<T>;
  /** Throw-away snapshots made ahead and removed behind; without it, each step makes and removes its own. */
  snapshots?: ThrowAwaySnapshots;
}

interface OpenedStep {
  log: FileHandle;
  tail: OutputTail;
  throwAway: ThrowAwaySnapshot | null;
  transaction: OpenTransaction | null;
  before: PackagesIndex;
}

type Finish = (result: StepOutcome["result"], exitCode: number | null, extra?: Partial<StepOutcome>) => StepOutcome;

/** One attempt of `step`; `signal` stops it (SIGINT/SIGTERM, or another step's failure under --fail-fast). */
export async function runStep(context: StepContext, step: Step, decision: StepDecision, signal: AbortSignal): Promise<StepOutcome> {
  const { deps } = context;
  const started = deps.clock();
  const cleanup = new CleanupStack();
  const finish: Finish = (result, exitCode, extra = {}) => ({ step, result, exitCode, durationMs: deps.clock() - started, added: [], ...extra });
  try {
    const opened = await openStep(context, step, decision, started, cleanup);
    const result = await runCommand(context, step, opened, signal);
    if (signal.aborted) return finish("interrupted", result.code, { reason: stoppedReason(signal), failure: stoppedFailure(await ranStepFailure(step, result, opened.tail, true), signal) });
    return await judgeStep(context, step, opened, result, finish);
  } catch (error) {
    const failure = stoppedFailure(await unstartedStepFailure(step, error, signal.aborted), signal);
    const reason = signal.aborted ? stoppedReason(signal) : error instanceof Error ? error.message : String(error);
    return finish(signal.aborted ? "interrupted" : "failed", null, { reason, failure });
  } finally {
    for (const failure of await cleanup.unwind()) deps.emit({ kind: "warning", message: `${step.task.id}: ${failure.message}`, step });
  }
}

/** Work files, the throw-away snapshot, the log with its header, the index before, the transaction: each registered for cleanup. */
async function openStep(context: StepContext, step: Step, decision: StepDecision, started: number, cleanup: CleanupStack): Promise<OpenedStep> {
  const { plan, deps, work } = context;
  cleanup.push(`work directory ${step.workDir}`, async () => work.release(step));
  await work.ready(step);
  const throwAway = await openThrowAwaySnapshot(plan, step, deps, cleanup, context.snapshots);
  // One file per step, written only by this step: lines of concurrent steps never meet in one file.
  const log = await open(step.logFile, "a");
  cleanup.push(`log ${step.logFile}`, () => log.close());
  await log.write(renderLogHeader({ taskId: step.task.id, runId: plan.runId, argv: throwAway?.argv ?? step.argv, startedAt: new Date(started), fingerprint: decision.fingerprint, stageGeneration: decision.stageGeneration }));
  const before = await readPackagesIndex(plan.pkgdir);
  const transaction = step.kind === "container" && step.transaction ? await openTransaction(step.transaction, deps, cleanup) : null;
  await openJobSlot(step, deps.jobserver, cleanup);
  return { log, tail: new OutputTail(), throwAway, transaction, before };
}

/**
 * The step's command, its stdout and stderr going straight into its log (appended: both in the order
 * written); what the log receives is followed and handed on as events, at the listener's pace.
 */
async function runCommand(context: StepContext, step: Step, opened: OpenedStep, signal: AbortSignal): Promise<ExecResult> {
  const { log, tail } = opened;
  let exited = (): void => undefined;
  const ended = new Promise<void>((resolve) => (exited = resolve));
  const from = (await log.stat()).size;
  const following = followLog(step.logFile, { from, ended, onChunk: (chunk) => output(context, step, chunk, tail) }).catch((error: unknown) => {
    const message = `${step.task.id}: cannot follow its log ${step.logFile} (${(error as Error).message}), so its output is not shown further; the log has all of it: ${binpkgbotCommand(context.plan.config, `log ${step.task.id}`)}`;
    context.deps.emit({ kind: "warning", message, step });
  });
  // An Exec that cannot pass the log on as the command's stdout and stderr hands over the output instead.
  let written = Promise.resolve();
  const append = (chunk: Buffer): Promise<void> => (written = written.then(async () => void (await log.write(chunk))));
  try {
    return await startCommand(context, step, opened, { signal, outputFd: log.fd, onStdout: append, onStderr: append });
  } finally {
    await written.catch(() => undefined);
    exited();
    await following;
  }
}

async function startCommand(context: StepContext, step: Step, opened: OpenedStep, options: Pick<ExecOptions, "signal" | "outputFd" | "onStdout" | "onStderr">): Promise<ExecResult> {
  const { deps } = context;
  const { throwAway } = opened;
  if (step.kind === "host") return deps.exec.run(step.argv, { ...options, env: { ...deps.env, ...step.env }, capture: false });
  const mountPoints = step.spec.ephemeral ? [] : await findMissingMountPoints(step.spec.directory, step.spec.binds.map((bind) => bind.to));
  // Per-step resources held only while the container runs are acquired and released around this call.
  const running = runContainer(deps.exec, { ...(throwAway?.spec ?? step.spec), argv: throwAway?.argv ?? step.argv }, { ...options, env: deps.env, capture: false });
  context.snapshots?.containerStarted();
  const result = await running;
  await removeMountPoints(mountPoints);
  return result;
}

/** Success, a missing variant or a failure: commits or undoes the transaction, keeps a failed snapshot. */
async function judgeStep(context: StepContext, step: Step, opened: OpenedStep, result: ExecResult, finish: Finish): Promise<StepOutcome> {
  const { plan } = context;
  const { transaction, throwAway } = opened;
  const after = await readPackagesIndex(plan.pkgdir);
  const added = context.pkgdir.claim(opened.before, after);
  const missing = result.code === 0 ? missingVariant(step, after) : null;
  const record = { task: step.task.id, run: plan.runId };
  if (result.code === 0 && missing === null) {
    await transaction?.commit(record);
    await throwAway?.succeeded();
    return finish("succeeded", 0, { added });
  }
  if (missing !== null) {
    await transaction?.fail(record);
    return finish("failed", 0, { added, reason: missing.summary, failure: missing });
  }
  const failure = await ranStepFailure(step, result, opened.tail, false);
  const kept = await transaction?.fail(record);
  const stage = kept ? `; the stage is unchanged, the failed snapshot is kept at ${kept} (${binpkgbotCommand(plan.config, "stage shell --failed")})` : "";
  const keptThrowAway = throwAway ? await context.serial(() => throwAway.failed()) : undefined;
  return finish("failed", result.code, { added, failure, reason: `${failure.summary}; see ${step.logFile}${stage}${keptThrowAway ? `; ${keptThrowAway}` : ""}` });
}

/** A step stopped because another failed (--fail-fast) says so, not "stopped by a signal". */
function stoppedFailure(failure: Failure, signal: AbortSignal): Failure {
  const reason = stoppedReason(signal);
  return signal.aborted && failure.class === "interrupted" && reason !== SIGNAL_REASON ? { ...failure, summary: reason } : failure;
}

/** A step whose emerge succeeded but left no binpkg of the variant it asked for has failed. */
function missingVariant(step: Step, index: PackagesIndex): Failure | null {
  return step.kind === "container" && step.variant ? checkVariant(step.variant, index.packages) : null;
}

/**
 * Resolves, where the listener (a terminal, journald) is behind, once it has room: the log is not read on
 * meanwhile, but the command goes on writing it. The log holds stdout and stderr together, as "stdout".
 */
function output(context: StepContext, step: Step, chunk: Buffer, tail: OutputTail): Promise<void> | undefined {
  tail.push(chunk);
  context.deps.emit({ kind: "output", step, stream: "stdout", chunk });
  return context.deps.outputRoom?.() ?? undefined;
}
