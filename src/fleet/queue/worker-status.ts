// Each worker's heartbeat in Redis: its labels, load and running jobs, under a key that expires when
// the worker stops refreshing it (killed, partitioned). `status --redis` and the coordinator read it.
import type { Redis } from "ioredis";
import { REDIS_PREFIX } from "./step-job.js";

export const WORKER_KEY_PREFIX = `${REDIS_PREFIX}:fleet:worker:`;
/** A heartbeat is refreshed this often and lives three times as long. */
export const HEARTBEAT_MS = 5000;

export interface WorkerStatus {
  id: string;
  hostname: string;
  labels: Record<string, string>;
  concurrency: number;
  /** The host's one-minute load average. */
  load: number;
  /** Targets whose queues it listens on. */
  targets: string[];
  running: { target: string; task: string; jobId: string; since: string }[];
  seenAt: string;
}

export async function writeWorkerStatus(redis: Redis, status: WorkerStatus): Promise<void> {
  await redis.set(`${WORKER_KEY_PREFIX}${status.id}`, JSON.stringify(status), "PX", HEARTBEAT_MS * 3);
}

export async function removeWorkerStatus(redis: Redis, id: string): Promise<void> {
  await redis.del(`${WORKER_KEY_PREFIX}${id}`);
}

export async function readWorkerStatuses(redis: Redis): Promise<WorkerStatus[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${WORKER_KEY_PREFIX}*`, "COUNT", 100);
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  const texts = keys.length === 0 ? [] : await redis.mget(keys);
  return texts.flatMap((text) => (text === null ? [] : [JSON.parse(text) as WorkerStatus])).sort((a, b) => a.id.localeCompare(b.id));
}

/** One line per worker and one per running job (pure), as `status --redis` prints them. */
export function renderWorkerStatuses(workers: readonly WorkerStatus[]): string[] {
  if (workers.length === 0) return ["workers: none (start one: binpkgbot worker --redis URL --labels arch=…)"];
  return [`workers: ${workers.length}`, ...workers.flatMap((worker) => {
    const labels = Object.entries(worker.labels).map(([key, value]) => `${key}=${value}`).join(",") || "(any target)";
    const head = `  ${worker.id} on ${worker.hostname}  labels ${labels}  load ${worker.load.toFixed(2)}  running ${worker.running.length}/${worker.concurrency}  targets ${worker.targets.join(", ") || "none yet"}`;
    return [head, ...worker.running.map((job) => `    ${job.target} ${job.task} (job ${job.jobId}, since ${job.since})`)];
  })];
}
