// Read-side queries for status, history and log: task results joined with their runs.
import type Database from "better-sqlite3";
import type { AttemptQueries, AttemptRecord } from "./attempts.js";
import type { BinpkgQueries, BinpkgRecord } from "./binpkgs.js";
import type { ElogMessage } from "./elog.js";
import type { ElogQueries } from "./elog-messages.js";
import type { RunResult, RunTrigger } from "./runs.js";
import { toTaskResultRecord, type TaskResultRecord, type TaskResultRow } from "./tasks.js";

export interface TaskStatus extends TaskResultRecord {
  /** When the newest 'succeeded' result of this task started; null if it never succeeded. */
  lastSucceededAt: Date | null;
}

export interface HistoryEntry extends TaskResultRecord {
  trigger: RunTrigger;
  runResult: RunResult;
}

export interface TaskLog {
  result: TaskResultRecord;
  elog: ElogMessage[];
  binpkgs: BinpkgRecord[];
  /** Each attempt where the task was retried within the run; empty when it ran once. */
  attempts: AttemptRecord[];
}

export interface ReportQueries {
  /** Each task's newest result, in the order they last ran. */
  taskStatus(): TaskStatus[];
  /** Task results, newest first; of one task with `taskId`. */
  history(options: { taskId?: string; limit: number }): HistoryEntry[];
  /** The task's result in run `runId`, or its newest one that ran (skipped results have no log). */
  taskLog(taskId: string, runId?: number): TaskLog | null;
  /** The log file of each task's newest result that ran: what `binpkgbot log TASK` shows, kept by log_retention. */
  newestTaskLogs(): string[];
}

type StatusRow = TaskResultRow & { last_succeeded_at: number | null };
type HistoryRow = TaskResultRow & { trigger: RunTrigger; run_result: RunResult };

const HISTORY = `SELECT t.*, r.trigger, r.result AS run_result FROM task_results t JOIN runs r ON r.id = t.run_id`;

export function reportQueries(db: Database.Database, parts: { elog: ElogQueries; binpkgs: BinpkgQueries; attempts: AttemptQueries }): ReportQueries {
  const status = db.prepare<[], StatusRow>(
    `SELECT t.*, (SELECT s.started_at FROM task_results s WHERE s.task_id = t.task_id AND s.result = 'succeeded'
                  ORDER BY s.id DESC LIMIT 1) AS last_succeeded_at
     FROM task_results t WHERE t.id IN (SELECT max(id) FROM task_results GROUP BY task_id) ORDER BY t.id`,
  );
  const allHistory = db.prepare<[number], HistoryRow>(`${HISTORY} ORDER BY t.id DESC LIMIT ?`);
  const taskHistory = db.prepare<[string, number], HistoryRow>(`${HISTORY} WHERE t.task_id = ? ORDER BY t.id DESC LIMIT ?`);
  const inRun = db.prepare<[string, number], TaskResultRow>("SELECT * FROM task_results WHERE task_id = ? AND run_id = ?");
  const newestRan = db.prepare<[string], TaskResultRow>(
    "SELECT * FROM task_results WHERE task_id = ? AND result NOT IN ('skipped', 'not-run') ORDER BY id DESC LIMIT 1",
  );
  const newestLogs = db.prepare<[], { log_path: string }>(
    `SELECT log_path FROM task_results WHERE log_path IS NOT NULL AND id IN
       (SELECT max(id) FROM task_results WHERE result NOT IN ('skipped', 'not-run') GROUP BY task_id)`,
  );
  return {
    newestTaskLogs: () => newestLogs.all().map((row) => row.log_path),
    taskStatus: () => status.all().map((row) => ({
      ...toTaskResultRecord(row),
      lastSucceededAt: row.last_succeeded_at === null ? null : new Date(row.last_succeeded_at),
    })),
    history({ taskId, limit }) {
      const rows = taskId === undefined ? allHistory.all(limit) : taskHistory.all(taskId, limit);
      return rows.map((row) => ({ ...toTaskResultRecord(row), trigger: row.trigger, runResult: row.run_result }));
    },
    taskLog(taskId, runId) {
      const row = runId === undefined ? newestRan.get(taskId) : inRun.get(taskId, runId);
      if (!row) return null;
      return {
        result: toTaskResultRecord(row), elog: parts.elog.elogMessages(row.id), binpkgs: parts.binpkgs.binpkgs(row.id), attempts: parts.attempts.attempts(row.id),
      };
    },
  };
}
