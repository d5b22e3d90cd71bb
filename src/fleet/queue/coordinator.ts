// binpkgbot coordinator: one run of every target of a fleet, each as `binpkgbot run` does it (stage
// lock, recovery, plan, state database, publishing) except that its steps go to the target's BullMQ
// queue and workers carry them out (src/fleet/queue/queue-carrier.ts). Targets run side by side.
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import type { Config } from "../../config/config.js";
import type { EngineEvent } from "../../engine/events.js";
import { performRun, type PerformedRun, type PerformRunOptions } from "../../engine/perform-run.js";
import { BACKOFF } from "../../failure/retry-policy.js";
import type { Fleet, FleetTarget } from "../fleet.js";
import { createQueueCarrier } from "./queue-carrier.js";
import type { RedisOptions } from "./redis-url.js";
import { assignSyncs, syncedByNotice, type SyncAssignment } from "../sync-once.js";
import { queueName, REDIS_PREFIX } from "./step-job.js";
import { describeMissingSigner, targetSigning } from "./signer.js";
import { writeTargetRecord } from "./target-registry.js";
import { readWorkerStatuses } from "./worker-status.js";

/** Jobs of one target in the queue at once: every throw-away step of a group, whatever the workers take. */
const QUEUED_AT_ONCE = 10_000;

export interface CoordinatorOptions extends Pick<PerformRunOptions, "exec" | "env" | "now" | "signal" | "trigger" | "failFast" | "force"> {
  fleet: Fleet;
  redis: RedisOptions;
  /** The target's config, loaded and valid; a problem is thrown (the CLI's loader). */
  loadConfig: (target: FleetTarget) => Config;
  emit: (target: string, event: EngineEvent) => void;
  /** Default: as one host (src/failure/retry-policy.ts BACKOFF). */
  backoffMs?: number;
  /** Default 1000. */
  pollMs?: number;
  /** A repository's real path, to tell which targets share one; default: the path as written. */
  realRepository?: (repo: string) => string;
}

export type TargetRun = { target: string; run: PerformedRun } | { target: string; error: Error };

export async function runCoordinator(options: CoordinatorOptions): Promise<TargetRun[]> {
  const redis = new Redis(options.redis);
  const syncs = new SyncOnce(options, (repo) => options.realRepository?.(repo) ?? repo);
  try {
    return await Promise.all(options.fleet.targets.map((target) => runTarget(options, redis, target, syncs).then(
      (run) => ({ target: target.name, run }),
      (error: unknown) => ({ target: target.name, error: error instanceof Error ? error : new Error(String(error)) }),
    )));
  } finally {
    redis.disconnect();
  }
}

/**
 * Targets sharing a repository: the first syncs it (src/fleet/sync-once.ts), the others wait until that
 * sync has ended (or that target's run, should it end before syncing) and do not sync it again.
 */
class SyncOnce {
  private readonly assigned: Map<string, SyncAssignment>;
  private readonly ended = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  constructor(options: CoordinatorOptions, realRepository: (repo: string) => string) {
    this.assigned = assignSyncs(options.fleet.targets.map((target) => ({ name: target.name, config: options.loadConfig(target) })), realRepository);
    for (const target of options.fleet.targets) {
      let resolve = (): void => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      this.ended.set(target.name, { promise, resolve });
    }
  }

  assignment(target: FleetTarget): SyncAssignment | undefined {
    return this.assigned.get(target.name);
  }

  /** The target's sync ended, or it will not sync (its run ended): the targets it syncs for may go on. */
  syncEnded(target: string): void {
    this.ended.get(target)?.resolve();
  }

  waitFor(target: string): Promise<void> {
    return this.ended.get(target)?.promise ?? Promise.resolve();
  }
}

async function runTarget(options: CoordinatorOptions, redis: Redis, target: FleetTarget, syncs: SyncOnce): Promise<PerformedRun> {
  try {
    const assignment = syncs.assignment(target);
    if (assignment?.syncedBy) {
      options.emit(target.name, { kind: "notice", message: `${syncedByNotice(assignment.config, assignment.syncedBy)}: waiting for it` });
      await syncs.waitFor(assignment.syncedBy);
    }
    return await runTargetSteps(options, redis, target, assignment?.config ?? options.loadConfig(target), (event) => {
      if (event.kind === "step-end" && event.outcome.step.task.kind === "sync") syncs.syncEnded(target.name);
    });
  } finally {
    syncs.syncEnded(target.name);
  }
}

async function runTargetSteps(options: CoordinatorOptions, redis: Redis, target: FleetTarget, config: Config, watch: (event: EngineEvent) => void): Promise<PerformedRun> {
  const emit = (event: EngineEvent): void => {
    watch(event);
    options.emit(target.name, event);
  };
  const connection = { ...options.redis };
  const queue = new Queue(queueName(target.name), { connection, prefix: REDIS_PREFIX });
  const events = new QueueEvents(queueName(target.name), { connection, prefix: REDIS_PREFIX });
  events.on("stalled", ({ jobId }) => emit({ kind: "warning", message: `job ${jobId} of ${target.name} stalled: its worker stopped answering; another worker takes it` }));
  try {
    await events.waitUntilReady();
    const signing = targetSigning(config);
    await writeTargetRecord(redis, { name: target.name, labels: { ...target.labels }, configPath: target.configPath, stage: config.stage, pkgdir: config.pkgdir, signing });
    const noSigner = signing === null ? null : describeMissingSigner(target, signing, await readWorkerStatuses(redis).catch(() => []));
    if (noSigner !== null) emit({ kind: "warning", message: noSigner });
    const carryOut = createQueueCarrier({
      target: target.name, queue, events, backoffMs: options.backoffMs ?? BACKOFF.firstMs, pollMs: options.pollMs ?? 1000, clock: () => options.now().getTime(),
    });
    return await performRun(config, { ...options, emit, jobs: QUEUED_AT_ONCE, carryOut });
  } finally {
    await events.close();
    await queue.close();
  }
}
