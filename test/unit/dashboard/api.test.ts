import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answerApi, type DashboardSource } from "../../../src/dashboard/api.js";
import { assignLanes } from "../../../src/dashboard/lanes.js";
import Database from "better-sqlite3";
import { RUNS_PAGE_SQL } from "../../../src/state/dashboard-queries.js";
import { openStateDatabase, stateDatabaseFile, type StateDatabase } from "../../../src/state/database.js";
import { at, runStart, taskStart, tempStateDir } from "../state/state-fixtures.js";

/** Three runs; run 2 runs a and b at once and adds binpkgs, run 3 fails a and is still running c. */
function filled(): { state: StateDatabase; runs: number[] } {
  const state = openStateDatabase(tempStateDir());
  const r1 = state.startRun(runStart(0));
  state.recordTask(taskStart(r1, "a", "fa", 0), { result: "succeeded", exitCode: 0, durationMs: 10_000 });
  state.finishRun(r1, { endedAt: at(10), result: "succeeded" });
  const r2 = state.startRun(runStart(100));
  const a2 = state.recordTask(taskStart(r2, "a", "fa", 100), { result: "succeeded", exitCode: 0, durationMs: 20_000 });
  const b2 = state.recordTask(taskStart(r2, "b", "fb", 105), { result: "succeeded", exitCode: 0, durationMs: 5_000 });
  state.recordBinpkgs(a2, [{ cpv: "app-misc/foo-1.0", buildId: 1, use: ["ssl", "zstd"], size: 1000, path: "app-misc/foo/foo-1.0-1.gpkg.tar", buildTime: 1_800_000_000, slot: "0", eapi: "8", fields: {} }]);
  state.recordBinpkgs(b2, [{ cpv: "dev-libs/Bar-2", buildId: 3, use: [], size: 500, path: "dev-libs/Bar/Bar-2-3.gpkg.tar", slot: "0", eapi: "8", fields: {} }]);
  state.finishRun(r2, { endedAt: at(130), result: "succeeded" });
  const r3 = state.startRun(runStart(200));
  state.recordTask(taskStart(r3, "a", "fa2", 200), {
    result: "failed", exitCode: 1, durationMs: 3_000, reason: "exit code 1",
    failure: { class: "fetch", summary: "foo-1.1 could not be fetched", fix: [], details: [], packages: [] },
  });
  state.startTask(taskStart(r3, "c", null, 203));
  return { state, runs: [r1, r2, r3] };
}

function sourceOf(state: StateDatabase | null, facts: Record<string, unknown> = {}): DashboardSource {
  return { state: () => state, facts: async () => facts, now: () => at(300).getTime() };
}

async function get(source: DashboardSource, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await answerApi(new URL(path, "http://localhost"), source);
  return { status: answer.status, body: JSON.parse(JSON.stringify(answer.body)) as Record<string, unknown> };
}

describe("dashboard API on a real state database", () => {
  it("pages runs newest first with ?before and ?limit, with their task, failure and binpkg counts", async () => {
    const { state, runs } = filled();
    const first = await get(sourceOf(state), "/api/runs?limit=2");
    assert.deepEqual((first.body.runs as { id: number; tasks: number; failed: number; binpkgs: number; result: string }[])
      .map((run) => [run.id, run.result, run.tasks, run.failed, run.binpkgs]), [[runs[2], "running", 2, 1, 0], [runs[1], "succeeded", 2, 0, 2]]);
    const next = await get(sourceOf(state), `/api/runs?limit=2&before=${runs[1]}`);
    assert.deepEqual((next.body.runs as { id: number }[]).map((run) => run.id), [runs[0]]);
    state.close();
  });

  it("reaches a page's task results through its runs, never through the index of every result by outcome", () => {
    const dir = tempStateDir();
    openStateDatabase(dir).close();
    const db = new Database(stateDatabaseFile(dir), { readonly: true });
    const plan = db.prepare<[number, number], { detail: string }>(`EXPLAIN QUERY PLAN ${RUNS_PAGE_SQL}`).all(100, 50).map((row) => row.detail);
    db.close();
    assert.ok(plan.some((step) => /SEARCH t USING .*\(run_id=\?\)/.test(step)), plan.join("\n"));
    assert.ok(!plan.some((step) => step.includes("task_results_by_result")), plan.join("\n"));
  });

  it("refuses a limit over the maximum and a before that is no id", async () => {
    const { state } = filled();
    assert.equal((await get(sourceOf(state), "/api/runs?limit=100000")).status, 400);
    assert.match(String((await get(sourceOf(state), "/api/runs?before=x")).body.error), /before 'x' is not a positive whole number/);
    assert.equal((await get(sourceOf(state), "/api/nothing")).status, 404);
    state.close();
  });

  it("gives a run's tasks with end, lane and binpkgs: overlapping tasks take two lanes", async () => {
    const { state, runs } = filled();
    const { body } = await get(sourceOf(state), `/api/runs/${runs[1]}`);
    const tasks = body.tasks as { taskId: string; lane: number; endedAt: string; binpkgs: { cpv: string }[] }[];
    assert.deepEqual(tasks.map((task) => [task.taskId, task.lane, task.endedAt, task.binpkgs.map((b) => b.cpv)]), [
      ["a", 0, at(120).toISOString(), ["app-misc/foo-1.0"]],
      ["b", 1, at(110).toISOString(), ["dev-libs/Bar-2"]],
    ]);
    assert.equal((await get(sourceOf(state), "/api/runs/99")).status, 404);
    state.close();
  });

  it("overview: the running run with its tasks, the last finished run, failing tasks with class and summary, and the facts", async () => {
    const { state, runs } = filled();
    const { body } = await get(sourceOf(state, { stageHold: null, coverage: { servers: 2 } }), "/api/overview");
    const running = body.running as { run: { id: number }; tasks: { taskId: string; result: string }[] };
    assert.equal(running.run.id, runs[2]);
    assert.deepEqual(running.tasks.map((task) => [task.taskId, task.result]), [["a", "failed"], ["c", "running"]]);
    assert.equal((body.lastRun as { id: number }).id, runs[1]);
    assert.deepEqual(body.failing, [{
      taskId: "a", runId: runs[2], result: "failed", startedAt: at(200).toISOString(), failureClass: "fetch",
      summary: "foo-1.1 could not be fetched", lastSucceededAt: at(100).toISOString(),
    }]);
    assert.deepEqual(body.coverage, { servers: 2 });
    state.close();
  });

  it("a task's history: newest first, with durations, results and failure classes, paged", async () => {
    const { state, runs } = filled();
    const { body } = await get(sourceOf(state), "/api/tasks/a?limit=2");
    assert.deepEqual((body.points as { runId: number; result: string; durationMs: number; failureClass: string | null }[])
      .map((p) => [p.runId, p.result, p.durationMs, p.failureClass]), [[runs[2], "failed", 3000, "fetch"], [runs[1], "succeeded", 20000, null]]);
    const older = await get(sourceOf(state), `/api/tasks/a?before=${(body.points as { id: number }[])[1]?.id}`);
    assert.deepEqual((older.body.points as { runId: number }[]).map((p) => p.runId), [runs[0]]);
    state.close();
  });

  it("packages: CPV, USE, BUILD_ID, size, build time and the task; ?q= searches the CPV without case", async () => {
    const { state, runs } = filled();
    const all = await get(sourceOf(state), "/api/packages");
    assert.deepEqual((all.body.packages as { cpv: string }[]).map((p) => p.cpv), ["dev-libs/Bar-2", "app-misc/foo-1.0"]);
    const found = await get(sourceOf(state), "/api/packages?q=FOO");
    assert.deepEqual(found.body.packages, [{
      id: 1, cpv: "app-misc/foo-1.0", buildId: 1, use: ["ssl", "zstd"], size: 1000, path: "app-misc/foo/foo-1.0-1.gpkg.tar",
      buildTime: 1_800_000_000, taskId: "a", runId: runs[1],
    }]);
    state.close();
  });

  it("answers empty lists before any run is recorded", async () => {
    assert.deepEqual((await get(sourceOf(null), "/api/runs")).body, { ok: true, runs: [] });
    assert.deepEqual((await get(sourceOf(null), "/api/overview")).body, { ok: true, running: null, lastRun: null, failing: [] });
  });
});

describe("timeline lanes", () => {
  it("puts overlapping tasks in separate lanes and reuses a lane once free", () => {
    assert.deepEqual(assignLanes([{ start: 0, end: 10 }, { start: 5, end: 20 }, { start: 10, end: 15 }, { start: 12, end: null }], 30), [0, 1, 0, 2]);
  });
});
