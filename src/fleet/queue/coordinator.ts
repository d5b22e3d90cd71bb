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
}

export type TargetRun = { target: string; run: PerformedRun } | { target: string; error: Error };

export async function runCoordinator(options: CoordinatorOptions): Promise<TargetRun[]> {
  const redis = new Redis(options.redis);
  try {
    return await Promise.all(options.fleet.targets.map((target) => runTarget(options, redis, target).then(
      (run) => ({ target: target.name, run }),
      (error: unknown) => ({ target: target.name, error: error instanceof Error ? error : new Error(String(error)) }),
    )));
  } finally {
    redis.disconnect();
  }
}

async function runTarget(options: CoordinatorOptions, redis: Redis, target: FleetTarget): Promise<PerformedRun> {
  const config = options.loadConfig(target);
  const emit = (event: EngineEvent): void => options.emit(target.name, event);
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
