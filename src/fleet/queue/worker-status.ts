// Each worker's heartbeat in Redis: its labels, load and running jobs, under a key that expires when
// the worker stops refreshing it (killed, partitioned). `status --redis`, the coordinator and the
// status server (src/fleet/queue/read-workers.ts) read it.
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
  /** Started with --signer: it builds the targets that sign their binpkgs, with the key of its own host. */
  signer: boolean;
  /** Targets whose queues it listens on. */
  targets: string[];
  /** Targets its labels match whose jobs it does not take, and why (a signing target on a worker that cannot sign). */
  skipped: { target: string; reason: string }[];
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
  return texts.flatMap((text) => {
    const status = text === null ? null : parseWorkerStatus(text);
    return status === null ? [] : [status];
  }).sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * A heartbeat as a worker wrote it, or null for one that is not (anyone with Redis access can write the
 * key): only the fields named here, each of its type; a missing list is empty, a missing `signer` false.
 */
export function parseWorkerStatus(text: string): WorkerStatus | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isRecord(raw) || typeof raw.id !== "string" || typeof raw.hostname !== "string" || !isStringRecord(raw.labels)) return null;
  if (typeof raw.concurrency !== "number" || typeof raw.load !== "number" || typeof raw.seenAt !== "string") return null;
  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : []);
  const records = <K extends string>(value: unknown, keys: readonly K[]): Record<K, string>[] =>
    (Array.isArray(value) ? value.filter((item): item is Record<K, string> => isRecord(item) && keys.every((key) => typeof item[key] === "string")) : []);
  return {
    id: raw.id, hostname: raw.hostname, labels: raw.labels, concurrency: raw.concurrency, load: raw.load, signer: raw.signer === true,
    targets: strings(raw.targets),
    skipped: records(raw.skipped, ["target", "reason"] as const).map(({ target, reason }) => ({ target, reason })),
    running: records(raw.running, ["target", "task", "jobId", "since"] as const).map(({ target, task, jobId, since }) => ({ target, task, jobId, since })),
    seenAt: raw.seenAt,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isStringRecord = (value: unknown): value is Record<string, string> => isRecord(value) && Object.values(value).every((item) => typeof item === "string");

/** One line per worker, one per running job and one per skipped target (pure), as `status --redis` prints them. */
export function renderWorkerStatuses(workers: readonly WorkerStatus[]): string[] {
  if (workers.length === 0) return ["workers: none (start one: binpkgbot worker --redis URL --labels arch=…)"];
  return [`workers: ${workers.length}`, ...workers.flatMap((worker) => {
    const labels = Object.entries(worker.labels).map(([key, value]) => `${key}=${value}`).join(",") || "(any target)";
    const signer = worker.signer ? "  signer" : "";
    const head = `  ${worker.id} on ${worker.hostname}${signer}  labels ${labels}  load ${worker.load.toFixed(2)}  running ${worker.running.length}/${worker.concurrency}  targets ${worker.targets.join(", ") || "none yet"}`;
    return [
      head,
      ...worker.running.map((job) => `    ${job.target} ${job.task} (job ${job.jobId}, since ${job.since})`),
      ...worker.skipped.map((skip) => `    not taken: ${skip.target}: ${skip.reason}`),
    ];
  })];
}
