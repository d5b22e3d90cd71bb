// binpkgbot worker: listens on the queue of every target whose labels it matches (learnt from Redis,
// src/fleet/queue/target-registry.ts), runs at most `concurrency` steps at once across them, and keeps
// its heartbeat. A job whose worker dies is taken by another once its lock expires (BullMQ's stalled
// jobs: https://docs.bullmq.io/guide/workers/stalled-jobs). A target that signs its binpkgs is taken
// only by a worker started as a signer whose host has the key (src/fleet/queue/signer.ts).
import { DelayedError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
import { hostname, loadavg } from "node:os";
import type { EngineDeps } from "../../engine/run-plan.js";
import type { StepContext } from "../../engine/run-step.js";
import { PkgdirClaims } from "../../engine/binpkg-index.js";
import { FifoJobserver } from "../../jobserver/fifo-jobserver.js";
import { labelsMatch } from "../fleet.js";
import type { StageSync } from "../transfer/stage-sync.js";
import { coordinatorPlace, type JobPlace } from "../transfer/store-place.js";
import type { RedisOptions } from "./redis-url.js";
import { runStepJob } from "./run-step-job.js";
import { refuseSigning, SigningKeyChecks, type TargetSigning } from "./signer.js";
import { queueName, readStepJob, REDIS_PREFIX } from "./step-job.js";
import { readTargetRecords, type TargetRecord } from "./target-registry.js";
import { HEARTBEAT_MS, removeWorkerStatus, writeWorkerStatus, type WorkerStatus } from "./worker-status.js";

/** How often the worker looks for targets a coordinator added. */
const TARGETS_POLL_MS = 1000;
/** How long a stopping worker waits for its jobs to go back to Redis. */
const CLOSE_MS = 10_000;

export interface WorkerOptions {
  redis: RedisOptions;
  labels: Record<string, string>;
  concurrency: number;
  /** Started with --signer: takes the targets that sign, if the key of each is on this host. */
  signer: boolean;
  /** How long a job stays locked to a worker that stopped renewing the lock before another may take it. */
  lockMs: number;
  /** The engine's effects; its signal stops the worker: running steps stop and their jobs go back to the queue. */
  engine: Omit<EngineDeps, "observer" | "carryOut" | "jobserver">;
  stageSync: (targets: () => readonly TargetRecord[]) => StageSync;
  /** Where jobs run; default: at the plan's own paths (worker and coordinator on one host). */
  place?: JobPlace;
  /** Lines for the worker's own output (jobs taken and ended). */
  say: (line: string) => void;
}

/** Resolves when the worker stopped: `closed` false where Redis could not be reached to close cleanly (connections may linger). */
export async function runWorker(options: WorkerOptions): Promise<{ closed: boolean }> {
  // Heartbeats and target look-ups fail (and are tried again on the next tick) while Redis is away.
  const redis = new Redis({ ...options.redis, maxRetriesPerRequest: 1 });
  let lastError = "";
  redis.on("error", (error: Error) => {
    if (error.message !== lastError) options.say(`Redis: ${error.message}`);
    lastError = error.message;
  });
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const state = new WorkerState(options);
  const stageSync = options.stageSync(() => state.targets);
  const heartbeat = (): Promise<void> => writeWorkerStatus(redis, state.status(id)).catch((error: unknown) => options.say(`heartbeat not written: ${(error as Error).message}`));
  let polling = false;
  const poll = async (): Promise<void> => {
    // A signing key's first check takes a moment: a tick during it waits for the next.
    if (polling) return;
    polling = true;
    try {
      const records = await readTargetRecords(redis).catch(() => null);
      if (records !== null) await state.listen(records, (job, token) => runStepJob(job, token, { engine: { ...options.engine, jobserver: state.jobserver(job) }, stageSync, place: options.place ?? coordinatorPlace, shared: state.shared(job) }));
      await heartbeat();
    } finally {
      polling = false;
    }
  };
  void poll();
  const timers = [setInterval(() => void poll(), TARGETS_POLL_MS), setInterval(() => void heartbeat(), HEARTBEAT_MS)];
  // Runs until the signal; the wait cannot fail, so what follows always runs.
  await new Promise<void>((resolve) => {
    if (options.engine.signal.aborted) resolve();
    options.engine.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  for (const timer of timers) clearInterval(timer);
  // Running steps saw the signal; their jobs go back to the queue. Without Redis, close() would wait for it forever.
  const closed = await closeWithin(state.workers, CLOSE_MS);
  state.stopJobserver();
  if (closed) await removeWorkerStatus(redis, id).catch(() => undefined);
  redis.disconnect();
  return { closed };
}

/** The BullMQ workers, the running jobs and the slots they share. */
class WorkerState {
  readonly workers: Worker[] = [];
  targets: readonly TargetRecord[] = [];
  private readonly listening = new Map<string, Worker>();
  /** Matching targets whose jobs this worker does not take, and why. */
  private readonly skipped = new Map<string, string>();
  private readonly keys: SigningKeyChecks;
  private readonly running = new Map<string, WorkerStatus["running"][number]>();
  private readonly perTarget = new Map<string, ReturnType<WorkerState["shared"]>>();
  private readonly slots: Slots;
  private pool: FifoJobserver | undefined;

  constructor(private readonly options: WorkerOptions) {
    this.slots = new Slots(options.concurrency);
    this.keys = new SigningKeyChecks(options.engine.exec);
  }

  /** A BullMQ worker for each matching target not listened on yet that this worker may build; a target it may no longer build is left. */
  async listen(records: readonly TargetRecord[], process: (job: Job, token: string | undefined) => Promise<unknown>): Promise<void> {
    this.targets = records;
    for (const record of records) {
      if (!labelsMatch(this.options.labels, record)) continue;
      const refused = record.signing ? await this.refusal(record.name, record.signing) : null;
      if (refused !== null) this.skip(record.name, refused);
      else if (!this.listening.has(record.name)) this.take(record, process);
    }
  }

  private take(record: TargetRecord, process: (job: Job, token: string | undefined) => Promise<unknown>): void {
    this.skipped.delete(record.name);
    const worker = new Worker(queueName(record.name), async (job, token) => {
      await this.refuseSigningJob(record.name, job, token);
      return this.slots.with(() => this.track(record.name, job, () => process(job, token)));
    }, {
      connection: { ...this.options.redis }, prefix: REDIS_PREFIX, concurrency: this.options.concurrency,
      lockDuration: this.options.lockMs, stalledInterval: this.options.lockMs, maxStalledCount: 1,
    });
    worker.on("error", (error) => this.options.say(`queue ${record.name}: ${error.message}`));
    worker.on("failed", (job, error) => this.options.say(`${record.name} ${job?.name ?? "?"}: ${error.message}`));
    worker.on("completed", (job) => this.options.say(`${record.name} ${job.name}: ${(job.returnvalue as { result?: string } | null)?.result ?? "done"}`));
    this.workers.push(worker);
    this.listening.set(record.name, worker);
    this.options.say(`listening on target ${record.name} (labels ${Object.entries(record.labels).map(([key, value]) => `${key}=${value}`).join(",")})`);
  }

  /** Why this worker may not build a target that signs with `signing`; null: it may. */
  private async refusal(target: string, signing: TargetSigning): Promise<string | null> {
    return refuseSigning(target, signing, this.options, this.options.signer ? await this.keys.problem(signing) : null);
  }

  /** Says once why a target is not taken, and stops listening on it if it did (its record changed). */
  private skip(target: string, reason: string): void {
    if (this.skipped.get(target) !== reason) this.options.say(`not taking target ${target}: ${reason}`);
    this.skipped.set(target, reason);
    const worker = this.listening.get(target);
    if (worker === undefined) return;
    this.listening.delete(target);
    void worker.close().catch(() => undefined);
  }

  /**
   * The job itself says whether it signs: a job taken from a target whose record did not say so yet
   * (signing added to its config since) goes back to the queue at once, without using up an attempt,
   * and this worker stops listening on the target.
   */
  private async refuseSigningJob(target: string, job: Job, token: string | undefined): Promise<void> {
    const read = readStepJob(job.data);
    const step = "job" in read ? read.job.step : null;
    const signing = step?.kind === "container" ? (step.signing ?? step.etcPortage.trust) : null;
    if (!signing) return;
    const refused = await this.refusal(target, { key: signing.key, gnupgHome: signing.gnupgHome });
    if (refused === null) return;
    this.skip(target, refused);
    await job.moveToDelayed(Date.now() + 1000, token);
    throw new DelayedError(refused);
  }

  private async track(target: string, job: Job, process: () => Promise<unknown>): Promise<unknown> {
    const key = `${target}/${job.id ?? ""}`;
    this.options.say(`${target} ${job.name}: started (job ${job.id ?? "?"}, attempt ${job.attemptsMade + 1})`);
    this.running.set(key, { target, task: job.name, jobId: job.id ?? "", since: new Date(this.options.engine.clock()).toISOString() });
    try {
      return await process();
    } finally {
      this.running.delete(key);
    }
  }

  shared(job: Job): Pick<StepContext, "pkgdir" | "serial"> {
    const target = (job.data as { target?: string }).target ?? "";
    let shared = this.perTarget.get(target);
    if (!shared) {
      let queue: Promise<unknown> = Promise.resolve();
      shared = {
        pkgdir: new PkgdirClaims(),
        serial: <T>(piece: () => Promise<T>): Promise<T> => {
          const result = queue.then(piece);
          queue = result.catch(() => undefined);
          return result;
        },
      };
      this.perTarget.set(target, shared);
    }
    return shared;
  }

  /** With build_jobs the step joins a job pool: one per worker, of the size the plan names. */
  jobserver(job: Job): FifoJobserver | undefined {
    const read = readStepJob(job.data);
    const step = "job" in read ? read.job.step : null;
    if (step?.kind !== "container" || !step.jobserver) return undefined;
    this.pool ??= new FifoJobserver(step.jobserver.tokens, { exec: this.options.engine.exec });
    return this.pool;
  }

  stopJobserver(): void {
    this.pool?.stop();
  }

  status(id: string): WorkerStatus {
    return {
      id, hostname: hostname(), labels: this.options.labels, concurrency: this.options.concurrency, load: loadavg()[0] ?? 0, signer: this.options.signer,
      targets: [...this.listening.keys()].sort(), skipped: [...this.skipped].map(([target, reason]) => ({ target, reason })).sort((a, b) => a.target.localeCompare(b.target)),
      running: [...this.running.values()], seenAt: new Date(this.options.engine.clock()).toISOString(),
    };
  }
}

/** Closes the BullMQ workers (waiting for their jobs to go back), or gives up after `ms`: false. */
async function closeWithin(workers: readonly Worker[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = Promise.all(workers.map((worker) => worker.close())).then(() => true);
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const inTime = await Promise.race([closed, late]);
  clearTimeout(timer);
  if (!inTime) for (const worker of workers) void worker.disconnect().catch(() => undefined);
  return inTime;
}

/** At most `size` pieces at once across the target queues (each BullMQ worker has its own concurrency). */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async with<T>(piece: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await piece();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
