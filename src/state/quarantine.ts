// Which tasks are quarantined: a task whose newest failure is deterministic (src/failure/retry-policy.ts,
// quarantines()) fails the same way while its inputs stay the same, so it is not rebuilt on every run
// or daemon tick until its fingerprint changes, or until `binpkgbot run --force TASK`.
import type Database from "better-sqlite3";
import type { FailureClass } from "../failure/failure.js";
import { quarantines } from "../failure/retry-policy.js";

export interface Quarantine {
  /** When the first failure of the current streak of failures with this fingerprint started. */
  since: Date;
  /** The class of the newest failure, the one that keeps the task quarantined. */
  failureClass: FailureClass;
}

export interface QuarantineQueries {
  /**
   * The task's quarantine for inputs that hash to `fingerprint`, or null: its newest result that
   * succeeded or failed must be a failure with this fingerprint and a class that quarantines.
   * Interrupted, not-run and skipped results neither start nor end one; a success ends it.
   */
  quarantine(taskId: string, fingerprint: string): Quarantine | null;
}

interface OutcomeRow {
  result: "succeeded" | "failed";
  fingerprint: string | null;
  failure_class: FailureClass | null;
  started_at: number;
}

export function quarantineQueries(db: Database.Database): QuarantineQueries {
  const outcomes = db.prepare<[string], OutcomeRow>(
    `SELECT result, fingerprint, failure_class, started_at FROM task_results
     WHERE task_id = ? AND result IN ('succeeded', 'failed') ORDER BY id DESC`,
  );
  return {
    quarantine(taskId, fingerprint) {
      let found: Quarantine | null = null;
      // Newest first, stopping at the first row that is not a failure with this fingerprint.
      for (const row of outcomes.iterate(taskId)) {
        if (row.result !== "failed" || row.fingerprint !== fingerprint) break;
        if (found === null) {
          if (row.failure_class === null || !quarantines(row.failure_class)) return null;
          found = { since: new Date(row.started_at), failureClass: row.failure_class };
        } else found.since = new Date(row.started_at);
      }
      return found;
    },
  };
}
