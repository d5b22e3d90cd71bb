// After a run, under the stage lock: removes the log and work directories of runs that log_retention
// lets go (src/engine/run-retention.ts decides which). Work files of a finished run are of no further
// use, so they go as soon as the run is over; logs follow the retention rule.
import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { LogRetention } from "../config/log-retention.js";
import { runIdTime, selectExpiredRuns, type RunDirectory } from "./run-retention.js";

export interface RetentionDeps {
  now: Date;
  /** This process: its earlier runs (the daemon makes many) are over by the time it asks. */
  pid: number;
  isProcessAlive(pid: number): boolean;
}

export interface RetentionResult {
  removed: string[];
  problems: string[];
}

/** `newestLogs`: the log file of each task's newest result that ran (StateDatabase.newestTaskLogs). */
export async function removeExpiredRuns(stateDir: string, retention: LogRetention, newestLogs: readonly string[], deps: RetentionDeps): Promise<RetentionResult> {
  const logsRoot = path.join(stateDir, "logs");
  const workRoot = path.join(stateDir, "work");
  const [logs, work] = await Promise.all([listNames(logsRoot), listNames(workRoot)]);
  const inProgress = (name: string): boolean => {
    const pid = Number(/-(\d+)$/.exec(name)?.[1]);
    return pid !== deps.pid && Number.isSafeInteger(pid) && deps.isProcessAlive(pid);
  };
  const runs: RunDirectory[] = logs.map((name) => ({ name, inProgress: inProgress(name) }));
  const newestOfATask = new Set(newestLogs.filter((file) => path.dirname(path.dirname(file)) === logsRoot).map((file) => path.basename(path.dirname(file))));
  const targets = [
    ...selectExpiredRuns({ runs, newestOfATask, retention, now: deps.now }).map((name) => path.join(logsRoot, name)),
    ...work.filter((name) => runIdTime(name) !== null && !inProgress(name)).map((name) => path.join(workRoot, name)),
  ];
  const result: RetentionResult = { removed: [], problems: [] };
  for (const target of targets) {
    await rm(target, { recursive: true, force: true }).then(
      () => result.removed.push(target),
      (error: unknown) => result.problems.push(`could not remove ${target} (log_retention): ${(error as Error).message}; remove it by hand`),
    );
  }
  return result;
}

async function listNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}
