// The coordinator's side of a step: instead of running it, the run (src/engine/run-plan.ts, with its
// step graph, state database and events) puts it on the target's queue and waits for a worker's outcome.
// The run still decides which step may start: a barrier's job is added only once every job before it
// ended, and the throw-away jobs after it only once it succeeded, so each carries the stage generation
// it must run on, which exists only then. (A BullMQ flow added up front could not name that generation,
// and would not stop later steps after a failed persisting one.)
import { Job, type Queue, type QueueEvents } from "bullmq";
import type { StepOutcome } from "../../engine/events.js";
import type { StepCarrier } from "../../engine/run-plan.js";
import { stoppedReason } from "../../engine/scheduler.js";
import type { Failure } from "../../failure/failure.js";
import { planStepJob, stepJobOptions, type JobOutcome } from "./step-job.js";

export interface QueueCarrierOptions {
  target: string;
  queue: Queue;
  /** Tells at once when a job ends; a poll catches what it misses (a Redis restart). */
  events: QueueEvents;
  /** The first wait before a transient failure is tried again (doubling after). */
  backoffMs: number;
  /** How often a job's state is read while no event comes. */
  pollMs: number;
  clock: () => number;
}

export function createQueueCarrier(options: QueueCarrierOptions): StepCarrier {
  return async (plan, step, decision, signal) => {
    const started = options.clock();
    const generation = decision.stageGeneration ?? "missing";
    const data = planStepJob(plan, options.target, step, { stageGeneration: generation, fingerprint: decision.fingerprint });
    const added = await options.queue.add(step.task.id, data, stepJobOptions(plan, step, options.backoffMs));
    const job = await awaitJobEnd(options, added.id ?? "", signal);
    const durationMs = options.clock() - started;
    if (job === null) {
      await options.queue.remove(added.id ?? "").catch(() => 0);
      return { step, result: "interrupted", exitCode: null, durationMs, added: [], reason: stoppedReason(signal) };
    }
    return { ...jobOutcome(job), step };
  };
}

/** The job once it completed or failed for good, or null if `signal` stopped the wait first. */
export async function awaitJobEnd(options: Pick<QueueCarrierOptions, "queue" | "events" | "pollMs">, jobId: string, signal: AbortSignal): Promise<Job | null> {
  for (;;) {
    if (signal.aborted) return null;
    const woken = wakeOnEvent(options.events, jobId, options.pollMs, signal);
    // The state first, then the job: read the other way round, a job that ends in between has no result yet.
    const state = await options.queue.getJobState(jobId);
    const job = state === "unknown" ? undefined : await Job.fromId(options.queue, jobId);
    if (job && (state === "completed" || state === "failed")) {
      woken.cancel();
      return job;
    }
    if (!job) throw new Error(`job ${jobId} is no longer in Redis queue ${options.queue.name}: was Redis flushed, or does it evict keys (maxmemory-policy must be noeviction)?`);
    await woken.promise;
  }
}

function wakeOnEvent(events: QueueEvents, jobId: string, pollMs: number, signal: AbortSignal): { promise: Promise<void>; cancel(): void } {
  let cancel = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    const onEnd = ({ jobId: ended }: { jobId: string }): void => {
      if (ended === jobId) done();
    };
    const timer = setTimeout(() => done(), pollMs);
    const done = (): void => {
      clearTimeout(timer);
      events.off("completed", onEnd);
      events.off("failed", onEnd);
      signal.removeEventListener("abort", done);
      resolve();
    };
    events.on("completed", onEnd);
    events.on("failed", onEnd);
    signal.addEventListener("abort", done, { once: true });
    cancel = done;
  });
  return { promise, cancel };
}

/** The outcome the worker left (its return value, or its progress before it failed the job); else one from BullMQ's reason. */
function jobOutcome(job: Job): JobOutcome {
  if (job.finishedOn !== undefined && isOutcome(job.returnvalue)) return job.returnvalue;
  if (isOutcome(job.progress)) return job.progress;
  const failure: Failure = {
    class: "host", summary: `the job ended without a result from a worker: ${job.failedReason}`,
    fix: ["see the workers' output (binpkgbot worker); a job that stalled too often had workers die under it"], details: [], packages: [],
  };
  return { result: "failed", exitCode: null, durationMs: 0, added: [], reason: failure.summary, failure };
}

function isOutcome(value: unknown): value is JobOutcome {
  return typeof value === "object" && value !== null && typeof (value as Partial<StepOutcome>).result === "string";
}
