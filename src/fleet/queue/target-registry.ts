// The targets a coordinator serves, as workers learn them from Redis: a worker is started with labels
// only, and listens on the queue of every target they match (src/fleet/fleet.ts labelsMatch).
import type { Redis } from "ioredis";
import type { TargetSigning } from "./signer.js";
import { REDIS_PREFIX } from "./step-job.js";

export const TARGETS_KEY = `${REDIS_PREFIX}:fleet:targets`;

export interface TargetRecord {
  name: string;
  labels: Record<string, string>;
  configPath: string;
  /** The target's stage and PKGDIR on the coordinator's host (one host: the workers' too). */
  stage: string;
  pkgdir: string;
  /** The target signs its binpkgs: only signer workers take its jobs (src/fleet/queue/signer.ts). Absent: it does not. */
  signing?: TargetSigning | null;
}

export async function writeTargetRecord(redis: Redis, record: TargetRecord): Promise<void> {
  await redis.hset(TARGETS_KEY, record.name, JSON.stringify(record));
}

/** Every target a coordinator wrote; a field that is not a record is left out. */
export async function readTargetRecords(redis: Redis): Promise<TargetRecord[]> {
  const fields = await redis.hgetall(TARGETS_KEY);
  return Object.values(fields).flatMap((text) => {
    try {
      const record = JSON.parse(text) as TargetRecord;
      const signing = record.signing;
      const signingRead = signing === undefined || signing === null || (typeof signing.key === "string" && typeof signing.gnupgHome === "string");
      return typeof record.name === "string" && typeof record.labels === "object" && typeof record.stage === "string" && signingRead ? [record] : [];
    } catch {
      return [];
    }
  });
}
