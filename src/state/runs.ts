// Queries on runs: one row per `binpkgbot run`, from start to end.
import type Database from "better-sqlite3";
import { StateDatabaseError } from "./state-error.js";

export type RunTrigger = "manual" | "timer" | "daemon";
export type RunResult = "running" | "succeeded" | "failed" | "interrupted";

export interface RunStart {
  startedAt: Date;
  trigger: RunTrigger;
  /** The config file, absolute. */
  configFile: string;
  /** A hash of the config and its includes, to tell which config a run used. */
  configHash: string;
}

export interface RunRecord extends RunStart {
  id: number;
  endedAt: Date | null;
  result: RunResult;
}

export interface RunQueries {
  /** Records a run as 'running' and returns its id. */
  startRun(start: RunStart): number;
  finishRun(runId: number, end: { endedAt: Date; result: Exclude<RunResult, "running"> }): void;
  /** The newest run, whatever its result; null before the first. */
  lastRun(): RunRecord | null;
  run(runId: number): RunRecord | null;
  /** Removes a run and, by cascade, its task results, binpkgs and elog messages (a daemon sync that changed nothing). */
  deleteRun(runId: number): void;
  /**
   * Marks runs and tasks still 'running' as 'interrupted': their process was killed or crashed.
   * Call it only while holding the stage lock, once no other run can be writing: a reader such as
   * `binpkgbot status` must never call it, or it would mark a live run interrupted.
   */
  recoverInterrupted(now: Date): { runs: number; tasks: number };
}

export interface RunRow {
  id: number;
  started_at: number;
  ended_at: number | null;
  trigger: RunTrigger;
  config_file: string;
  config_hash: string;
  result: RunResult;
}

export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    startedAt: new Date(row.started_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    trigger: row.trigger,
    configFile: row.config_file,
    configHash: row.config_hash,
    result: row.result,
  };
}

export function runQueries(db: Database.Database): RunQueries {
  const insert = db.prepare<[number, string, string, string]>(
    "INSERT INTO runs (started_at, trigger, config_file, config_hash, result) VALUES (?, ?, ?, ?, 'running')",
  );
  const finish = db.prepare<[number, string, number]>("UPDATE runs SET ended_at = ?, result = ? WHERE id = ?");
  const last = db.prepare<[], RunRow>("SELECT * FROM runs ORDER BY id DESC LIMIT 1");
  const byId = db.prepare<[number], RunRow>("SELECT * FROM runs WHERE id = ?");
  const remove = db.prepare<[number]>("DELETE FROM runs WHERE id = ?");
  const interruptTasks = db.prepare<[string]>(
    "UPDATE task_results SET result = 'interrupted', reason = coalesce(reason, ?) WHERE result = 'running'",
  );
  // ended_at stays empty: when the process died is unknown, and a guess would make up a duration.
  const interruptRuns = db.prepare("UPDATE runs SET result = 'interrupted' WHERE result = 'running'");
  const recover = db.transaction((now: Date) => {
    const reason = `binpkgbot stopped before this task ended (killed or crashed); noticed ${now.toISOString()}`;
    return { tasks: interruptTasks.run(reason).changes, runs: interruptRuns.run().changes };
  });
  return {
    startRun(start) {
      const info = insert.run(start.startedAt.getTime(), start.trigger, start.configFile, start.configHash);
      return Number(info.lastInsertRowid);
    },
    finishRun(runId, end) {
      const info = finish.run(end.endedAt.getTime(), end.result, runId);
      if (info.changes !== 1) throw new StateDatabaseError(`finishRun: there is no run ${runId} in the state database`);
    },
    lastRun() {
      const row = last.get();
      return row ? toRunRecord(row) : null;
    },
    run(runId) {
      const row = byId.get(runId);
      return row ? toRunRecord(row) : null;
    },
    deleteRun(runId) {
      remove.run(runId);
    },
    recoverInterrupted: (now) => recover.immediate(now),
  };
}
