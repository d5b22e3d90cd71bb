// Read-side queries for the dashboard's JSON API (src/dashboard/api.ts). Every list is paginated by id
// (keyset: `id < before`, newest first), so a page costs the same with ten runs or ten thousand: each
// query walks the primary key or an index (task_results_by_task, the UNIQUE (run_id, task_id) one,
// binpkgs_by_task_result), never the whole table.
import type Database from "better-sqlite3";
import type { FailureClass } from "../failure/failure.js";
import type { BinpkgRecord } from "./binpkgs.js";
import type { RunRecord, RunRow } from "./runs.js";
import { toRunRecord } from "./runs.js";
import type { TaskResult } from "./tasks.js";

export interface Page {
  /** Only rows with a smaller id; none: from the newest. */
  before?: number;
  limit: number;
}

export interface RunSummary extends RunRecord {
  tasks: number;
  failed: number;
  binpkgs: number;
}

export interface TaskPoint {
  id: number;
  runId: number;
  result: TaskResult;
  startedAt: number;
  durationMs: number | null;
  failureClass: FailureClass | null;
}

export interface PackageRow extends BinpkgRecord {
  id: number;
  taskId: string;
  runId: number;
}

export interface RunBinpkg {
  taskResultId: number;
  cpv: string;
  buildId: number | null;
  size: number | null;
}

export interface BinpkgTotals {
  count: number;
  bytes: number;
}

export interface DashboardQueries {
  runsPage(page: Page): RunSummary[];
  /** The run going on now, if any (there is at most one per state database). */
  runningRun(): RunRecord | null;
  /** The newest run that ended. */
  lastFinishedRun(): RunRecord | null;
  taskPoints(taskId: string, page: Page): TaskPoint[];
  /** Binpkgs whose CPV contains `q` (any, when empty), newest first. */
  packagesPage(q: string, page: Page): PackageRow[];
  runBinpkgs(runId: number): RunBinpkg[];
  runCounts(): Map<string, number>;
  binpkgTotals(): BinpkgTotals;
  /**
   * Ended task results with a duration and an id above `afterId`: how many fell in each bucket (at most
   * bounds[i] ms, not cumulative; the last one above every bound) and the sum of their durations; up to
   * `upToId`, below which no result is running any more, so that the next call can go on from there.
   */
  durationBuckets(boundsMs: readonly number[], afterId: number): { perBucket: number[]; sumMs: number; upToId: number };
}

type SummaryRow = RunRow & { tasks: number; failed: number; binpkgs: number };
type PointRow = { id: number; run_id: number; result: TaskResult; started_at: number; duration_ms: number | null; failure_class: FailureClass | null };
type PackageDbRow = { id: number; cpv: string; build_id: number | null; use: string; size: number | null; path: string; build_time: number | null; task_id: string; run_id: number };

const NO_BEFORE = Number.MAX_SAFE_INTEGER;

/**
 * A page of runs with their counts. Each run's task results are visited once, through the run: a
 * subquery on `result = 'failed'` let SQLite pick the index on result and walk every failed result
 * of the history for each run of the page.
 */
export const RUNS_PAGE_SQL = `SELECT r.*, count(t.id) AS tasks, coalesce(sum(t.result = 'failed'), 0) AS failed,
    coalesce(sum((SELECT count(*) FROM binpkgs b WHERE b.task_result_id = t.id)), 0) AS binpkgs
  FROM (SELECT * FROM runs WHERE id < ? ORDER BY id DESC LIMIT ?) r LEFT JOIN task_results t ON t.run_id = r.id
  GROUP BY r.id ORDER BY r.id DESC`;

export function dashboardQueries(db: Database.Database): DashboardQueries {
  const runs = db.prepare<[number, number], SummaryRow>(RUNS_PAGE_SQL);
  const running = db.prepare<[], RunRow>("SELECT * FROM runs WHERE result = 'running' ORDER BY id DESC LIMIT 1");
  const lastFinished = db.prepare<[], RunRow>("SELECT * FROM runs WHERE result <> 'running' ORDER BY id DESC LIMIT 1");
  const points = db.prepare<[string, number, number], PointRow>(
    `SELECT id, run_id, result, started_at, duration_ms, failure_class FROM task_results
     WHERE task_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
  );
  const packages = db.prepare<[string, number, number], PackageDbRow>(
    `SELECT b.id, b.cpv, b.build_id, b.use, b.size, b.path, b.build_time, t.task_id, t.run_id
     FROM binpkgs b JOIN task_results t ON t.id = b.task_result_id
     WHERE instr(lower(b.cpv), lower(?)) > 0 AND b.id < ? ORDER BY b.id DESC LIMIT ?`,
  );
  const ofRun = db.prepare<[number], { task_result_id: number; cpv: string; build_id: number | null; size: number | null }>(
    `SELECT b.task_result_id, b.cpv, b.build_id, b.size FROM binpkgs b
     WHERE b.task_result_id IN (SELECT id FROM task_results WHERE run_id = ?) ORDER BY b.id`,
  );
  const counts = db.prepare<[], { result: string; n: number }>("SELECT result, count(*) AS n FROM runs GROUP BY result");
  const totals = db.prepare<[], { count: number; bytes: number | null }>("SELECT count(*) AS count, sum(size) AS bytes FROM binpkgs");
  // Results below the oldest running one never change again (task_results_by_result finds it).
  const watermark = db.prepare<[], { up_to: number | null }>(
    "SELECT coalesce((SELECT min(id) - 1 FROM task_results WHERE result = 'running'), (SELECT max(id) FROM task_results)) AS up_to",
  );
  const bucketQueries = new Map<string, Database.Statement<[number, number], { bucket: number; n: number; total: number }>>();
  // One CASE per row, grouped: a tenth of the cost of one sum() per bound over 200,000 rows.
  const bucketQuery = (bounds: readonly number[]): Database.Statement<[number, number], { bucket: number; n: number; total: number }> => {
    const key = bounds.join(",");
    let statement = bucketQueries.get(key);
    if (statement === undefined) {
      // The bounds are numbers of this module's callers, never request text: safe to write into the SQL.
      const cases = bounds.map((bound, index) => `WHEN duration_ms <= ${Number(bound)} THEN ${index}`).join(" ");
      statement = db.prepare(`SELECT CASE ${cases} ELSE ${bounds.length} END AS bucket, count(*) AS n, sum(duration_ms) AS total
        FROM task_results WHERE id > ? AND id <= ? AND duration_ms IS NOT NULL AND result IN ('succeeded', 'failed') GROUP BY bucket`);
      bucketQueries.set(key, statement);
    }
    return statement;
  };
  return {
    durationBuckets: (bounds, afterId) => {
      const upToId = watermark.get()?.up_to ?? afterId;
      const perBucket = new Array<number>(bounds.length + 1).fill(0);
      let sumMs = 0;
      for (const row of bucketQuery(bounds).all(afterId, upToId)) {
        perBucket[row.bucket] = row.n;
        sumMs += row.total;
      }
      return { perBucket, sumMs, upToId: Math.max(afterId, upToId) };
    },
    runsPage: ({ before, limit }) => runs.all(before ?? NO_BEFORE, limit).map((row) => ({
      ...toRunRecord(row), tasks: row.tasks, failed: row.failed, binpkgs: row.binpkgs,
    })),
    runningRun: () => optionalRun(running.get()),
    lastFinishedRun: () => optionalRun(lastFinished.get()),
    taskPoints: (taskId, { before, limit }) => points.all(taskId, before ?? NO_BEFORE, limit).map((row) => ({
      id: row.id, runId: row.run_id, result: row.result, startedAt: row.started_at, durationMs: row.duration_ms, failureClass: row.failure_class,
    })),
    packagesPage: (q, { before, limit }) => packages.all(q, before ?? NO_BEFORE, limit).map((row) => ({
      id: row.id, cpv: row.cpv, buildId: row.build_id, use: row.use === "" ? [] : row.use.split(" "), size: row.size,
      path: row.path, buildTime: row.build_time, taskId: row.task_id, runId: row.run_id,
    })),
    runBinpkgs: (runId) => ofRun.all(runId).map((row) => ({ taskResultId: row.task_result_id, cpv: row.cpv, buildId: row.build_id, size: row.size })),
    runCounts: () => new Map(counts.all().map((row) => [row.result, row.n])),
    binpkgTotals: () => {
      const row = totals.get();
      return { count: row?.count ?? 0, bytes: row?.bytes ?? 0 };
    },
  };
}

function optionalRun(row: RunRow | undefined): RunRecord | null {
  return row ? toRunRecord(row) : null;
}
