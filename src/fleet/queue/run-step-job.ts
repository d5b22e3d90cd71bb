// A worker's side of a job: the step runs with the engine's own step runner (src/engine/run-step.ts,
// the one `binpkgbot run` uses: containers, job pool, memory limits, logs, signing), on the generation
// the job names, after what an earlier attempt of the same job left behind is cleared away. On a worker
// of another host the job runs on its copy of the target (src/fleet/transfer/store-place.ts).
import { DelayedError, UnrecoverableError, type Job } from "bullmq";
import { access, rm } from "node:fs/promises";
import path from "node:path";
import { removeOrphanedSnapshot } from "../../container/leftovers.js";
import type { StepOutcome } from "../../engine/events.js";
import type { EngineDeps } from "../../engine/run-plan.js";
import { runStep, type StepContext } from "../../engine/run-step.js";
import { WorkFiles } from "../../engine/work-files.js";
import type { Failure } from "../../failure/failure.js";
import type { Step } from "../../plan/plan.js";
import { runningName } from "../../stage/kept-failed-select.js";
import { readCurrent, stageLayout } from "../../stage/layout.js";
import { recoverStage } from "../../stage/transaction.js";
import type { StageSync } from "../transfer/stage-sync.js";
import type { JobPlace } from "../transfer/store-place.js";
import { CoordinatorError } from "../transfer/transfer-client.js";
import { judgeJobOutcome, placeAddedBinpkgs, readStepJob, type JobOutcome, type StepJob } from "./step-job.js";

export interface StepJobDeps {
  engine: EngineDeps;
  stageSync: StageSync;
  /** Where the job runs: the coordinator's paths (one host) or the worker's store. */
  place: JobPlace;
  /** Shared by the jobs of one target on this worker: the binpkgs claimed, one-at-a-time pieces. */
  shared: Pick<StepContext, "pkgdir" | "serial">;
}

/** BullMQ's processor: returns the outcome of a step that succeeded; throws to retry or (UnrecoverableError) to fail for good. */
export async function runStepJob(job: Job, token: string | undefined, deps: StepJobDeps): Promise<JobOutcome> {
  const read = readStepJob(job.data);
  if ("problem" in read) throw new UnrecoverableError(read.problem);
  const outcome = await carryOutStep(read.job, deps);
  const { step: _step, ...result } = outcome;
  // The coordinator reads a failed job's outcome here: a thrown error carries only a message.
  await job.updateProgress(result);
  const end = judgeJobOutcome(outcome);
  if (outcome.result === "interrupted" && deps.engine.signal.aborted) {
    // The worker is stopping: the job goes back to the queue at once, without using up an attempt.
    await job.moveToDelayed(Date.now(), token);
    throw new DelayedError(end.kind === "done" ? "interrupted" : end.message);
  }
  if (end.kind === "retry") throw new Error(end.message);
  if (end.kind === "unrecoverable") throw new UnrecoverableError(end.message);
  return result;
}

async function carryOutStep(planned: StepJob, deps: StepJobDeps): Promise<StepOutcome> {
  const remote = deps.place.localize(planned);
  const data = remote.job;
  const { step } = data;
  const started = deps.engine.clock();
  const refuse = (error: Error): StepOutcome => isCoordinatorUnreachable(error)
    ? { step, result: "interrupted", exitCode: null, durationMs: deps.engine.clock() - started, added: [], reason: error.message }
    : { step, result: "failed", exitCode: null, durationMs: deps.engine.clock() - started, added: [], reason: error.message, failure: refused(step, error) };
  try {
    await deps.place.ready(remote);
  } catch (error) {
    return refuse(error as Error);
  }
  try {
    await clearEarlierAttempt(data, deps.engine);
  } catch (error) {
    // Not the step's fault (a dying container still holds the snapshot): an interruption, so tried again later.
    return { step, result: "interrupted", exitCode: null, durationMs: deps.engine.clock() - started, added: [], reason: (error as Error).message };
  }
  let release: () => void;
  try {
    await deps.stageSync.ensureGeneration(data.target, data.generation);
    release = await deps.place.hold(data);
  } catch (error) {
    return refuse(error as Error);
  }
  try {
    return await runAndHandBack(data, deps);
  } finally {
    release();
  }
}

/** The step, then what it made goes home: a persisting step's generation, the binpkgs it added. */
async function runAndHandBack(data: StepJob, deps: StepJobDeps): Promise<StepOutcome> {
  const { step, plan } = data;
  const work = new WorkFiles(deps.engine.exec);
  const context: StepContext = { plan, deps: deps.engine, work, ...deps.shared };
  const decision = { skip: null, fingerprint: data.fingerprint, stageGeneration: data.generation };
  const outcome = await runStep(context, step, decision, deps.engine.signal).finally(async () => {
    for (const message of await work.releaseAll()) deps.engine.emit({ kind: "warning", message, step });
  });
  if (deps.place.remote) await sendLog(data, deps);
  if (outcome.result !== "succeeded") return outcome;
  try {
    if (step.persist) {
      const made = await readCurrent(stageLayout(plan.stage));
      const generation = made.kind === "generation" ? made.name : made.kind;
      await deps.stageSync.pushGeneration(data.target, data.generation, generation, made.kind === "generation" ? made.path : plan.stage);
      if (deps.place.remote) deps.engine.emit({ kind: "notice", message: `${data.target} ${step.task.id}: sent stage ${generation} (made on ${data.generation}) to the coordinator`, step });
    }
    const added = outcome.added.map((entry) => entry.path);
    const placed = await deps.stageSync.uploadBinpkgs(data.target, plan.pkgdir, added);
    if (deps.place.remote && added.length > 0) deps.engine.emit({ kind: "notice", message: `${data.target} ${step.task.id}: sent the binpkgs it built to the coordinator: ${placed.join(", ")}`, step });
    return { ...outcome, added: placeAddedBinpkgs(outcome.added, placed) };
  } catch (error) {
    // The coordinator was away (restarting, the network): the job is tried again, on this worker or another.
    if (isCoordinatorUnreachable(error as Error)) return { ...outcome, result: "interrupted", reason: (error as Error).message };
    return { ...outcome, result: "failed", reason: (error as Error).message, failure: refused(step, error as Error) };
  }
}

/** The step's log goes to the coordinator, failed or not, where its run records it; if it cannot, it stays here, and the job goes on. */
async function sendLog(data: StepJob, deps: StepJobDeps): Promise<void> {
  const { step, plan } = data;
  try {
    await deps.stageSync.uploadLog(data.target, plan.runId, step.task.id, step.logFile);
  } catch (error) {
    deps.engine.emit({ kind: "warning", message: `${data.target} ${step.task.id}: ${(error as Error).message}; the log stays on this worker at ${step.logFile}`, step });
  }
}

/**
 * A worker that died mid-job (SIGKILL, power) left the job's throw-away snapshot, work files, or a
 * persisting step's half-made stage snapshot; its container stopped with it (parent-death signal). They
 * carry the job's run and task in their names, so only this job's are removed.
 */
async function clearEarlierAttempt(data: StepJob, engine: EngineDeps): Promise<void> {
  const { step, plan } = data;
  if (step.kind === "container" && step.transaction) {
    for (const message of await recoverStage(stageLayout(step.transaction.stage), { exec: engine.exec, now: () => new Date(engine.clock()) })) {
      engine.emit({ kind: "notice", message, step });
    }
  }
  if (step.kind === "container" && step.keepFailed) {
    const running = path.join(stageLayout(step.keepFailed.stage).keptFailedDir, runningName(step.task.id, plan.runId));
    if (await access(running).then(() => true, () => false)) {
      const report = { removed: [], killed: [], skipped: [] as { path: string; reason: string }[] };
      await removeOrphanedSnapshot(running, { exec: engine.exec }, report);
      if (report.skipped.length > 0) throw new Error(`${running} of an earlier attempt is still in use: ${report.skipped.map((entry) => entry.reason).join("; ")}`);
      engine.emit({ kind: "notice", message: `removed ${running}, left by an earlier attempt of this job`, step });
    }
  }
  await rm(step.workDir, { recursive: true, force: true });
}

/** Network errors that pass: the coordinator restarting, a connection dropped, a proxy in between saying so. */
const PASSING_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

/** Whether `error` (or one of its causes) says the coordinator could not be reached, rather than refused the job. */
export function isCoordinatorUnreachable(error: Error): boolean {
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth++) {
    if (cause instanceof CoordinatorError && (cause.status === 502 || cause.status === 503 || cause.status === 504)) return true;
    if (PASSING_ERRNO.has((cause as NodeJS.ErrnoException).code ?? "")) return true;
  }
  return false;
}

function refused(step: Step, error: Error): Failure {
  return { class: "host", summary: `${step.task.id} did not run: ${error.message}`, fix: [], details: [], packages: [] };
}
