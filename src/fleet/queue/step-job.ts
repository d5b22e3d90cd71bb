// A plan step as a BullMQ job: what the coordinator puts on a target's queue and a worker reads back.
// Pure: the job's data, id, queue name and retry options are built and checked here; queues live elsewhere.
import type { Plan, PlannedStep } from "../../plan/plan.js";
import { PLAN_VERSION } from "../../plan/plan.js";
import type { StepOutcome } from "../../engine/events.js";
import { isTransient, type Failure } from "../../failure/failure.js";
import type { BinpkgEntry } from "../../portage/packages-index.js";

/** 1: plan (without its other steps), step, generation. A worker refuses data of another version. */
export const STEP_JOB_VERSION = 1;

/** The BullMQ key prefix of binpkgbot's queues and keys in Redis. */
export const REDIS_PREFIX = "binpkgbot";

export interface StepJob {
  version: typeof STEP_JOB_VERSION;
  planVersion: typeof PLAN_VERSION;
  /** The fleet target the step belongs to. */
  target: string;
  /** The plan's run id: one run of the target. */
  runId: string;
  /** The stage generation the step must run on ("plain" for a stage without generations). */
  generation: string;
  /** What the step's inputs hash to, for its log's header (null: not computed). */
  fingerprint: string | null;
  /** The plan's own fields (paths, lock, log directory), with this step alone in `steps`. */
  plan: Plan;
  step: PlannedStep;
}

/** What a worker leaves as the job's progress before it ends: the step's outcome without the step (the coordinator has it). */
export type JobOutcome = Omit<StepOutcome, "step">;

/** One queue per target, so that a worker listens only where its labels match. */
export function queueName(target: string): string {
  return `target-${target}`;
}

/** Stable per run and task: adding the same step twice adds one job. BullMQ's ids must not contain ':'. */
export function stepJobId(runId: string, taskId: string): string {
  return `${runId}.${taskId}`.replaceAll(":", "_");
}

export function planStepJob(plan: Plan, target: string, step: PlannedStep, decision: { stageGeneration: string; fingerprint: string | null }): StepJob {
  return {
    version: STEP_JOB_VERSION, planVersion: PLAN_VERSION, target, runId: plan.runId, generation: decision.stageGeneration, fingerprint: decision.fingerprint,
    plan: { ...plan, steps: [step], groups: [[step.task.id]] }, step,
  };
}

/**
 * BullMQ tries a job `attempts` times in all, the waits doubling from `backoffMs`: as the step's
 * `retries` and src/failure/retry-policy.ts on one host. Only transient failures reach a second attempt;
 * the worker ends a deterministic one with UnrecoverableError. Ended jobs stay a while for status.
 */
export function stepJobOptions(plan: Plan, step: PlannedStep, backoffMs: number) {
  return {
    jobId: stepJobId(plan.runId, step.task.id),
    attempts: step.task.retries + 1,
    backoff: { type: "exponential" as const, delay: backoffMs },
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/** The job's data as a worker received it, or why it cannot run it. */
export function readStepJob(data: unknown): { job: StepJob } | { problem: string } {
  const job = data as Partial<StepJob> | null;
  if (typeof job !== "object" || job === null) return { problem: "the job carries no step: it was not added by binpkgbot coordinator" };
  if (job.version !== STEP_JOB_VERSION || job.planVersion !== PLAN_VERSION) {
    return { problem: `the job is of version ${String(job.version)} (plan ${String(job.planVersion)}), this worker reads ${STEP_JOB_VERSION} (plan ${PLAN_VERSION}): run the same binpkgbot version on the coordinator and its workers` };
  }
  for (const key of ["target", "runId", "generation"] as const) {
    if (typeof job[key] !== "string") return { problem: `the job has no ${key}: it was not added by binpkgbot coordinator` };
  }
  if (typeof job.step !== "object" || job.step === null || typeof job.plan !== "object" || job.plan === null) return { problem: "the job has no plan step" };
  return { job: job as StepJob };
}

/** How a worker ends a job after its step: done (success or a result), retried later, or failed for good. */
export type JobEnd = { kind: "done" } | { kind: "retry"; message: string } | { kind: "unrecoverable"; message: string };

/**
 * A failed step whose failure is transient is retried by BullMQ (with backoff, elsewhere too); any other
 * failure fails the same way again, so the job fails for good. An interrupted step (the worker was
 * stopped) is not the step's fault: it is tried again.
 */
export function judgeJobOutcome(outcome: Pick<StepOutcome, "result" | "reason"> & { failure?: Pick<Failure, "class" | "summary"> }): JobEnd {
  if (outcome.result === "succeeded" || outcome.result === "skipped") return { kind: "done" };
  const message = outcome.failure?.summary ?? outcome.reason ?? outcome.result;
  if (outcome.result === "interrupted") return { kind: "retry", message: `interrupted on the worker: ${message}` };
  if (outcome.failure !== undefined && isTransient(outcome.failure)) return { kind: "retry", message };
  return { kind: "unrecoverable", message };
}

/**
 * The binpkgs a step added as the coordinator holds them: `placed[i]` is where the upload of `added[i]`
 * went, with another BUILD_ID where another build had the worker's (binpkg-upload.ts), so the run's
 * records name the coordinator's files.
 */
export function placeAddedBinpkgs(added: readonly BinpkgEntry[], placed: readonly string[]): BinpkgEntry[] {
  return added.map((entry, index) => {
    const path = placed[index] ?? entry.path;
    if (path === entry.path) return entry;
    const buildId = /-([0-9]+)\.(gpkg\.tar|xpak)$/.exec(path)?.[1];
    return {
      ...entry, path, ...(buildId === undefined ? {} : { buildId: Number(buildId) }),
      fields: { ...entry.fields, PATH: path, ...(buildId === undefined ? {} : { BUILD_ID: buildId }) },
    };
  });
}
