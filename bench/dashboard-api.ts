// The dashboard's JSON API and /metrics over a state database of 10,000 runs and 200,000 task results
// (one binpkg each): the server time of each endpoint (the handler, without the network), the median and
// the slowest of 15 calls. Target: every endpoint under 100 ms.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { answerApi, type DashboardSource } from "../src/dashboard/api.js";
import { createMetrics } from "../src/dashboard/metrics.js";
import { openStateDatabase, openStateDatabaseReadOnly, stateDatabaseFile } from "../src/state/database.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";

const RUNS = 10_000;
const TASKS_PER_RUN = 20;
const CALLS = 15;

export async function benchDashboardApi(): Promise<BenchResult[]> {
  const stateDir = await mkdtemp(path.join(tmpdir(), "binpkgbot-bench-dashboard-"));
  try {
    fill(stateDir);
    const state = openStateDatabaseReadOnly(stateDir);
    if (state === null) throw new Error("no state database");
    const source: DashboardSource = { state: () => state, facts: async () => ({}), now: () => Date.now() };
    const metrics = createMetrics(source);
    const writer = new Database(stateDatabaseFile(stateDir));
    const touch = writer.prepare<[string]>("UPDATE runs SET config_hash = ? WHERE id = 1");
    let commits = 0;
    const middle = Math.floor(RUNS / 2);
    const endpoints: [string, () => Promise<unknown>][] = [
      ...["/api/overview", "/api/runs", `/api/runs?before=${middle}&limit=200`, `/api/runs/${middle}`, "/api/tasks/task-7?limit=200",
        `/api/tasks/task-7?before=${middle * TASKS_PER_RUN}`, "/api/tasks/task-7/log", "/api/packages", "/api/packages?q=pkg-3-1999",
        "/api/packages?q=no-such-package"].map((url): [string, () => Promise<unknown>] => [url, () => answerApi(new URL(url, "http://localhost"), source)]),
      ["/metrics", () => metrics.render()],
      // Each scrape after a commit, as during a run: the text cannot be reused.
      ["/metrics after a commit", () => (touch.run(`h${++commits}`), metrics.render())],
    ];
    const results: BenchResult[] = [];
    for (const [url, call] of endpoints) {
      const times: number[] = [];
      for (let i = 0; i < CALLS; i++) times.push(await timeMs(call));
      results.push({ name: `dashboard ${url}`.slice(0, 44), value: round(median(times), 2), unit: "ms", detail: `slowest ${round(Math.max(...times), 2)} ms; target < 100` });
    }
    const slowest = results.reduce((a, b) => (b.value > a.value ? b : a));
    state.close();
    writer.close();
    return [...results, { name: "dashboard_slowest_endpoint", value: slowest.value, unit: "ms", detail: `${slowest.name} (median); ${RUNS} runs, ${RUNS * TASKS_PER_RUN} task results` }];
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Writes the rows in one transaction through SQL: the queries' own inserts would take minutes. */
function fill(stateDir: string): void {
  openStateDatabase(stateDir).close();
  const db = new Database(stateDatabaseFile(stateDir));
  const run = db.prepare("INSERT INTO runs (id, started_at, ended_at, trigger, config_file, config_hash, result) VALUES (?, ?, ?, 'daemon', '/etc/binpkgbot/binpkgbot.yml', 'h', ?)");
  const task = db.prepare(`INSERT INTO task_results (id, run_id, task_id, title, kind, fingerprint, result, exit_code, started_at, duration_ms, log_path, failure_class)
    VALUES (?, ?, ?, ?, 'install', 'f', ?, ?, ?, ?, ?, ?)`);
  const binpkg = db.prepare("INSERT INTO binpkgs (task_result_id, cpv, build_id, use, size, path, build_time) VALUES (?, ?, ?, 'ssl zstd', ?, ?, ?)");
  const t0 = Date.UTC(2025, 0, 1);
  db.transaction(() => {
    let id = 0;
    for (let r = 1; r <= RUNS; r++) {
      const start = t0 + r * 3_600_000;
      run.run(r, start, start + 1_800_000, r % 17 === 0 ? "failed" : "succeeded");
      for (let k = 0; k < TASKS_PER_RUN; k++) {
        id++;
        const failed = r % 17 === 0 && k === 3;
        task.run(id, r, `task-${k}`, `install task-${k}`, failed ? "failed" : "succeeded", failed ? 1 : 0, start + k * 60_000, 30_000 + ((id * 7919) % 600_000),
          `/var/lib/binpkgbot/logs/${r}/task-${k}.log`, failed ? "build" : null);
        binpkg.run(id, `app-misc/pkg-${k}-${r}`, r, 100_000 + k, `app-misc/pkg-${k}/pkg-${k}-${r}-${r}.gpkg.tar`, Math.floor(start / 1000));
      }
    }
  })();
  db.close();
}
