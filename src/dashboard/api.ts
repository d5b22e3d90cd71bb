// The dashboard's JSON API under /api/ (documented in the README, "Dashboard"): read-only answers
// from the state database and the facts the daemon or the host knows (stage, hold, releases, servers'
// coverage). Each list is one keyset page (?before=ID&limit=N), so no answer walks a whole table.
import type { WorkersAnswer } from "../fleet/queue/read-workers.js";
import type { StateDatabase } from "../state/database.js";
import type { TaskResultRecord } from "../state/tasks.js";
import { assignLanes } from "./lanes.js";

export interface DashboardSource {
  /** The state database, read-only; null while no run was ever recorded. */
  state(): StateDatabase | null;
  /** What the overview shows beside the database: stage generation and hold, releases, coverage, the daemon. */
  facts(): Promise<Record<string, unknown>>;
  now(): number;
  /** Whether the binpkg at this PKGDIR path is signed (src/binhost/gpkg-signature.ts); absent: not known here. */
  signature?(binpkgPath: string): Promise<string>;
  /** The fleet's workers from their heartbeats in Redis; absent: the server was started without --redis. */
  workers?(): Promise<WorkersAnswer>;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

class BadRequest extends Error {}
class NotHere extends Error {}

export async function answerApi(url: URL, source: DashboardSource): Promise<ApiAnswer> {
  const parts = url.pathname.replace(/^\/api\/?/, "").split("/").filter((part) => part !== "").map(decodeURIComponent);
  try {
    const state = source.state();
    const body = await route(parts, url.searchParams, state, source);
    return body === undefined ? notFound(url.pathname) : { status: 200, body: { ok: true, ...body } };
  } catch (error) {
    if (error instanceof BadRequest) return { status: 400, body: { ok: false, error: error.message } };
    if (error instanceof NotHere) return { status: 404, body: { ok: false, error: error.message } };
    throw error;
  }
}

async function route(parts: string[], query: URLSearchParams, state: StateDatabase | null, source: DashboardSource): Promise<Record<string, unknown> | undefined> {
  const [first, second, third] = parts;
  if (first === "overview" && parts.length === 1) return overview(state, source);
  if (first === "runs" && parts.length === 1) return { runs: state?.runsPage(pageOf(query)) ?? [] };
  if (first === "runs" && second !== undefined && parts.length === 2) return runDetail(state, idOf(second, "run"), source.now());
  if (first === "tasks" && second !== undefined && parts.length === 2) return { taskId: second, points: state?.taskPoints(second, pageOf(query)) ?? [] };
  if (first === "tasks" && second !== undefined && third === "log" && parts.length === 3) return taskLog(state, second, query);
  if (first === "packages" && parts.length === 1) return packages(state, query, source);
  if (first === "workers" && parts.length === 1) return workers(source);
  return undefined;
}

async function overview(state: StateDatabase | null, source: DashboardSource): Promise<Record<string, unknown>> {
  const running = state?.runningRun() ?? null;
  const failing = (state?.taskStatus() ?? []).filter((task) => task.result === "failed" || task.result === "interrupted").map((task) => ({
    taskId: task.taskId, runId: task.runId, result: task.result, startedAt: task.startedAt,
    failureClass: task.failure?.class ?? null, summary: task.failure?.summary ?? task.reason, lastSucceededAt: task.lastSucceededAt,
  }));
  return {
    ...(await source.facts()),
    running: running === null ? null : { run: running, tasks: timeline(state?.taskResults(running.id) ?? [], [], source.now()) },
    lastRun: state?.lastFinishedRun() ?? null,
    failing,
  };
}

function runDetail(state: StateDatabase | null, runId: number, now: number): Record<string, unknown> | undefined {
  const run = state?.run(runId);
  if (!state || !run) return undefined;
  return { run, tasks: timeline(state.taskResults(runId), state.runBinpkgs(runId), now) };
}

/** A run's tasks with their end and lane, and the binpkgs each added. */
function timeline(tasks: readonly TaskResultRecord[], binpkgs: ReturnType<StateDatabase["runBinpkgs"]>, now: number): unknown[] {
  const ran = tasks.map((task) => ({ start: task.startedAt.getTime(), end: task.durationMs === null ? null : task.startedAt.getTime() + task.durationMs }));
  const lanes = assignLanes(ran, now);
  return tasks.map((task, index) => ({
    id: task.id, taskId: task.taskId, title: task.title, kind: task.kind, result: task.result,
    startedAt: task.startedAt, endedAt: endOf(ran[index]?.end), durationMs: task.durationMs, lane: lanes[index],
    attempts: task.attempts, reason: task.reason, failure: task.failure, fingerprint: task.fingerprint,
    binpkgs: binpkgs.filter((binpkg) => binpkg.taskResultId === task.id).map(({ cpv, buildId, size }) => ({ cpv, buildId, size })),
  }));
}

const endOf = (end: number | null | undefined): Date | null => (end === null || end === undefined ? null : new Date(end));

function taskLog(state: StateDatabase | null, taskId: string, query: URLSearchParams): Record<string, unknown> | undefined {
  const run = query.get("run");
  const log = state?.taskLog(taskId, run === null ? undefined : idOf(run, "run"));
  return log ? { ...log } : undefined;
}

async function packages(state: StateDatabase | null, query: URLSearchParams, source: DashboardSource): Promise<Record<string, unknown>> {
  const rows = state?.packagesPage(query.get("q") ?? "", pageOf(query)) ?? [];
  const signature = source.signature;
  return { packages: signature ? await Promise.all(rows.map(async (row) => ({ ...row, signature: await signature(row.path) }))) : rows };
}

async function workers(source: DashboardSource): Promise<Record<string, unknown>> {
  if (!source.workers) throw new NotHere("no workers here: this server was started without Redis; start it with --redis URL (binpkgbot dashboard or binpkgbot daemon)");
  return { ...(await source.workers()) };
}

function pageOf(query: URLSearchParams): { before?: number; limit: number } {
  const before = query.get("before");
  const limit = query.get("limit");
  const page = { limit: limit === null ? DEFAULT_LIMIT : idOf(limit, "limit") };
  if (page.limit > MAX_LIMIT) throw new BadRequest(`limit=${page.limit} is more than ${MAX_LIMIT}: ask for fewer and page on with ?before=ID`);
  return before === null ? page : { ...page, before: idOf(before, "before") };
}

function idOf(text: string, what: string): number {
  if (!/^[1-9]\d{0,14}$/.test(text)) throw new BadRequest(`${what} '${text.slice(0, 40)}' is not a positive whole number`);
  return Number(text);
}

function notFound(path: string): ApiAnswer {
  return { status: 404, body: { ok: false, error: `no ${path.slice(0, 200)}: try /api/overview, /api/runs, /api/runs/ID, /api/tasks/ID, /api/tasks/ID/log, /api/packages, /api/workers` } };
}
