// The workers as the status server shows them (GET /status, the dashboard's /api/workers): read from
// their heartbeats (worker-status.ts) through a connection made for the read and closed after it, within
// a bounded time, so that an unreachable Redis is one line in the answer, never a hung request or an
// error page. Reads are shared: requests within `cacheMs` of a read, or during one, get its answer.
import { Redis } from "ioredis";
import type { RedisOptions } from "./redis-url.js";
import { readWorkerStatuses, type WorkerStatus } from "./worker-status.js";

/** What /status and /api/workers say of one worker. */
export interface WorkerView {
  id: string;
  host: string;
  labels: Record<string, string>;
  load: number;
  concurrency: number;
  signer: boolean;
  targets: string[];
  skipped: { target: string; reason: string }[];
  running: { target: string; task: string; jobId: string; since: string }[];
  seenAt: string;
}

/** The workers, or (Redis unreachable, too slow, refusing the password) why they are not known. */
export type WorkersAnswer = { workers: WorkerView[]; workersError: null } | { workers: null; workersError: string };

export const READ_TIMEOUT_MS = 2000;
const CACHE_MS = 1000;

/** The heartbeats as the JSON answers give them (pure). */
export function renderWorkersJson(statuses: readonly WorkerStatus[]): WorkerView[] {
  return statuses.map((status) => ({
    id: status.id, host: status.hostname, labels: { ...status.labels }, load: status.load, concurrency: status.concurrency, signer: status.signer,
    targets: [...status.targets], skipped: status.skipped.map((skip) => ({ ...skip })), running: status.running.map((job) => ({ ...job })), seenAt: status.seenAt,
  }));
}

/** redis://HOST:PORT/DB of the options, without user or password, for messages. */
export function describeRedis(options: Pick<RedisOptions, "host" | "port" | "db" | "tls">): string {
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return `${options.tls ? "rediss" : "redis"}://${host}:${options.port}/${options.db}`;
}

export interface WorkersReader {
  read(): Promise<WorkersAnswer>;
}

export function createWorkersReader(options: RedisOptions, limits: { timeoutMs?: number; cacheMs?: number } = {}): WorkersReader {
  const timeoutMs = limits.timeoutMs ?? READ_TIMEOUT_MS;
  const cacheMs = limits.cacheMs ?? CACHE_MS;
  let last: { at: number; answer: Promise<WorkersAnswer> } | null = null;
  return {
    read() {
      const now = Date.now();
      if (last === null || now - last.at >= cacheMs) {
        const answer = readWorkersWithin(options, timeoutMs);
        const entry = { at: now, answer };
        last = entry;
        // The cache counts from the answer, not the request: a read that took the whole timeout is not read again at once.
        void answer.then(() => (entry.at = Date.now()));
      }
      return last.answer;
    },
  };
}

/** One read on a connection of its own, given up after `timeoutMs`; never rejects. */
export async function readWorkersWithin(options: RedisOptions, timeoutMs: number): Promise<WorkersAnswer> {
  const redis = new Redis({
    ...options, lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false,
  });
  let lastError: Error | null = null;
  redis.on("error", (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs)));
  try {
    const read = (async () => {
      await redis.connect();
      return readWorkerStatuses(redis);
    })();
    read.catch(() => undefined);
    return { workers: renderWorkersJson(await Promise.race([read, late])), workersError: null };
  } catch (error) {
    const why = (lastError ?? (error as Error)).message.split("\n")[0] ?? "";
    return { workers: null, workersError: `the workers are not known: Redis at ${describeRedis(options)} did not answer (${why}); is redis-server running there, and the password right?` };
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
