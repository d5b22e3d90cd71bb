// Queries on task results: one row per task per run, written when the task starts and again when it ends.
import type Database from "better-sqlite3";
import type { Failure } from "../failure/failure.js";
import { parseFailureJson, renderFailureJson } from "../failure/failure-json.js";
import type { TaskRef } from "../plan/plan.js";
import { StateDatabaseError } from "./state-error.js";

export type TaskResult = "running" | "succeeded" | "failed" | "interrupted" | "not-run" | "skipped";

export interface TaskStart {
  runId: number;
  task: Pick<TaskRef, "id" | "kind" | "title">;
  /** fingerprintTask() of the step; null where none was computed. */
  fingerprint: string | null;
  startedAt: Date;
  logPath: string | null;
}

export interface TaskEnd {
  result: Exclude<TaskResult, "running">;
  exitCode: number | null;
  durationMs: number;
  /** Why it failed, was not run or was skipped. */
  reason?: string;
  /**
   * Replaces the fingerprint given at the start: a persisting task that succeeded is recorded with the
   * stage generation it made, so that the next run, finding that generation, can skip it.
   */
  fingerprint?: string;
  /** Why a failed task failed: kept as JSON, its class also as a column (failure_class). */
  failure?: Failure;
}

export interface TaskResultRecord {
  id: number;
  runId: number;
  taskId: string;
  title: string;
  kind: TaskRef["kind"];
  fingerprint: string | null;
  result: TaskResult;
  exitCode: number | null;
  startedAt: Date;
  durationMs: number | null;
  logPath: string | null;
  reason: string | null;
  /** More than 1: a transient failure was retried within the run (AttemptQueries has each attempt). */
  attempts: number;
  /** null where none was recorded, or where the stored JSON is not a Failure (an old or hand-edited database). */
  failure: Failure | null;
}

export interface TaskQueries {
  /** Records the task as 'running' and returns the task result id. */
  startTask(start: TaskStart): number;
  finishTask(taskResultId: number, end: TaskEnd): void;
  /** A task that never started in this run ('skipped' as unchanged, or 'not-run'), in one call. */
  recordTask(start: TaskStart, end: TaskEnd): number;
  /** The fingerprint of the task's newest 'succeeded' result; interrupted, failed and skipped ones never count. */
  lastSuccessfulFingerprint(taskId: string): string | null;
  taskResults(runId: number): TaskResultRecord[];
  /** The duration of each task's newest 'succeeded' result, in ms, by task id: the scheduler starts the longest first. */
  lastDurations(): Map<string, number>;
}

export interface TaskResultRow {
  id: number;
  run_id: number;
  task_id: string;
  title: string;
  kind: TaskRef["kind"];
  fingerprint: string | null;
  result: TaskResult;
  exit_code: number | null;
  started_at: number;
  duration_ms: number | null;
  log_path: string | null;
  reason: string | null;
  attempts: number;
  failure: string | null;
}

export function toTaskResultRecord(row: TaskResultRow): TaskResultRecord {
  return {
    id: row.id, runId: row.run_id, taskId: row.task_id, title: row.title, kind: row.kind,
    fingerprint: row.fingerprint, result: row.result, exitCode: row.exit_code,
    startedAt: new Date(row.started_at), durationMs: row.duration_ms, logPath: row.log_path, reason: row.reason,
    attempts: row.attempts,
    failure: parseFailureJson(row.failure),
  };
}

type InsertParams = [number, string, string, string, string | null, string, number | null, number, number | null, string | null, string | null, string | null, string | null];

export function taskQueries(db: Database.Database): TaskQueries {
  const insert = db.prepare<InsertParams>(
    `INSERT INTO task_results (run_id, task_id, title, kind, fingerprint, result, exit_code, started_at, duration_ms, log_path, reason, failure_class, failure)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const finish = db.prepare<[string, number | null, number, string | null, string | null, string | null, string | null, number]>(
    `UPDATE task_results SET result = ?, exit_code = ?, duration_ms = ?, reason = ?, fingerprint = COALESCE(?, fingerprint),
       failure_class = ?, failure = ? WHERE id = ?`,
  );
  const lastSuccess = db.prepare<[string], { fingerprint: string | null }>(
    "SELECT fingerprint FROM task_results WHERE task_id = ? AND result = 'succeeded' ORDER BY id DESC LIMIT 1",
  );
  // A failed or interrupted run says little about how long a build takes; the newest success does.
  const durations = db.prepare<[], { task_id: string; duration_ms: number }>(
    `SELECT task_id, duration_ms FROM task_results WHERE id IN
       (SELECT MAX(id) FROM task_results WHERE result = 'succeeded' AND duration_ms IS NOT NULL GROUP BY task_id)`,
  );
  const ofRun = db.prepare<[number], TaskResultRow>("SELECT * FROM task_results WHERE run_id = ? ORDER BY id");
  const add = (start: TaskStart, end: TaskEnd | null): number => {
    const { runId, task, fingerprint, startedAt, logPath } = start;
    const info = insert.run(
      runId, task.id, task.title, task.kind, fingerprint, end?.result ?? "running", end?.exitCode ?? null,
      startedAt.getTime(), end?.durationMs ?? null, logPath, end?.reason ?? null, ...failureColumns(end?.failure),
    );
    return Number(info.lastInsertRowid);
  };
  return {
    startTask: (start) => add(start, null),
    recordTask: (start, end) => add(start, end),
    finishTask(taskResultId, end) {
      const info = finish.run(end.result, end.exitCode, end.durationMs, end.reason ?? null, end.fingerprint ?? null, ...failureColumns(end.failure), taskResultId);
      if (info.changes !== 1) throw new StateDatabaseError(`finishTask: there is no task result ${taskResultId} in the state database`);
    },
    lastSuccessfulFingerprint: (taskId) => lastSuccess.get(taskId)?.fingerprint ?? null,
    taskResults: (runId) => ofRun.all(runId).map(toTaskResultRecord),
    lastDurations: () => new Map(durations.all().map((row) => [row.task_id, row.duration_ms])),
  };
}

/** failure_class and failure of a task result. */
function failureColumns(failure: Failure | undefined): [string | null, string | null] {
  return failure === undefined ? [null, null] : [failure.class, renderFailureJson(failure)];
}
