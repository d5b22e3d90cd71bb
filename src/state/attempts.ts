// Queries on the attempts of a task that was retried within its run (src/engine/retry-step.ts): one
// row per attempt in task_attempts, and their number in task_results.attempts.
import type Database from "better-sqlite3";
import type { FailureClass } from "../failure/failure.js";
import { StateDatabaseError } from "./state-error.js";

export interface AttemptRecord {
  /** From 1. */
  attempt: number;
  startedAt: Date;
  durationMs: number | null;
  exitCode: number | null;
  /** Null: the attempt did not fail, or nothing classified its failure. */
  failureClass: FailureClass | null;
  summary: string | null;
}

export interface AttemptQueries {
  /** Records the attempts of a task result, in one transaction; the result's attempts become their number. */
  recordAttempts(taskResultId: number, attempts: readonly AttemptRecord[]): void;
  /** A task result's attempts, first first; none for a task that ran once. */
  attempts(taskResultId: number): AttemptRecord[];
}

interface AttemptRow {
  attempt: number;
  started_at: number;
  duration_ms: number | null;
  exit_code: number | null;
  failure_class: FailureClass | null;
  summary: string | null;
}

export function attemptQueries(db: Database.Database): AttemptQueries {
  const insert = db.prepare<[number, number, number, number | null, number | null, string | null, string | null]>(
    `INSERT INTO task_attempts (task_result_id, attempt, started_at, duration_ms, exit_code, failure_class, summary)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const count = db.prepare<[number, number]>("UPDATE task_results SET attempts = ? WHERE id = ?");
  const ofResult = db.prepare<[number], AttemptRow>("SELECT * FROM task_attempts WHERE task_result_id = ? ORDER BY attempt");
  const record = db.transaction((taskResultId: number, attempts: readonly AttemptRecord[]) => {
    if (count.run(attempts.length, taskResultId).changes !== 1) {
      throw new StateDatabaseError(`recordAttempts: there is no task result ${taskResultId} in the state database`);
    }
    for (const a of attempts) insert.run(taskResultId, a.attempt, a.startedAt.getTime(), a.durationMs, a.exitCode, a.failureClass, a.summary);
  });
  return {
    recordAttempts: (taskResultId, attempts) => record(taskResultId, attempts),
    attempts: (taskResultId) => ofResult.all(taskResultId).map((row) => ({
      attempt: row.attempt, startedAt: new Date(row.started_at), durationMs: row.duration_ms, exitCode: row.exit_code,
      failureClass: row.failure_class, summary: row.summary,
    })),
  };
}
