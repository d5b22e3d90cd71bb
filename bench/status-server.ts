// GET /status of the daemon's status server over a state database with 40 tasks: requests per second
// over 8 keep-alive connections, and 5,000 requests pipelined on one connection, each with the longest
// time the server's event loop was blocked (perf_hooks.monitorEventLoopDelay). Clients run in worker
// threads. Target: no block over 50 ms, whatever one connection sends.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { startStatusServer } from "../src/server/status-server.js";
import { openStateDatabase } from "../src/state/database.js";
import { round, type BenchResult } from "./measure.js";
import { runLoad } from "./serve-vs-nginx.js";
import type { PipelineRequest, PipelineResult } from "./status-pipeline.js";

const TASKS = 40;
const PIPELINED = 5_000;

export async function benchStatusServer(options: { durationMs?: number } = {}): Promise<BenchResult[]> {
  const stateDir = await mkdtemp(path.join(tmpdir(), "binpkgbot-bench-status-"));
  try {
    fillState(stateDir);
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, {
      stateDir: () => stateDir,
      daemon: () => ({ configFile: "/etc/binpkgbot/binpkgbot.yml", schedule: "1h", nextTick: null, current: null }),
    });
    try {
      const { port } = new URL(server.url);
      const keepAlive = await blocking(() => runLoad({ url: `${server.url}/status`, headers: {}, expectStatus: 200, concurrency: 8, durationMs: options.durationMs ?? 2_000 }));
      const pipelined = await blocking(() => runPipeline({ host: "127.0.0.1", port: Number(port), path: "/status", count: PIPELINED, timeoutMs: 60_000 }));
      const answers = Object.entries(pipelined.result.statuses).map(([status, count]) => `${count}×${status}`).join(" ");
      return [
        { name: "status_keepalive_8", value: round(keepAlive.result.requests / (keepAlive.result.elapsedMs / 1_000), 0), unit: "req/s", detail: `${TASKS} tasks` },
        { name: "status_keepalive_8_longest_block", value: round(keepAlive.maxBlockMs, 1), unit: "ms", detail: "target ≤ 50" },
        { name: `status_pipelined_${PIPELINED}`, value: round(pipelined.result.elapsedMs, 0), unit: "ms", detail: `${answers}, connection ${pipelined.result.end}` },
        { name: `status_pipelined_${PIPELINED}_longest_block`, value: round(pipelined.maxBlockMs, 1), unit: "ms", detail: "target ≤ 50" },
      ];
    } finally {
      await server.close();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

function fillState(stateDir: string): void {
  const db = openStateDatabase(stateDir);
  const at = new Date(Date.UTC(2026, 10, 26));
  const runId = db.startRun({ startedAt: at, trigger: "daemon", configFile: "/etc/binpkgbot/binpkgbot.yml", configHash: "h" });
  for (let i = 0; i < TASKS; i += 1) {
    db.recordTask({ runId, task: { id: `task-${i}`, kind: "install", title: `install app-misc/p${i}` }, fingerprint: null, startedAt: at, logPath: null },
      { result: i % 7 === 0 ? "failed" : "succeeded", exitCode: i % 7 === 0 ? 1 : 0, durationMs: 1_000 + i, reason: i % 7 === 0 ? "exit 1" : undefined });
  }
  db.finishRun(runId, { endedAt: at, result: "failed" });
  db.close();
}

/** Runs `load` and measures the longest stall of this thread's event loop meanwhile. */
async function blocking<T>(load: () => Promise<T>): Promise<{ result: T; maxBlockMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const result = await load();
  histogram.disable();
  return { result, maxBlockMs: histogram.max / 1e6 };
}

function runPipeline(spec: PipelineRequest): Promise<PipelineResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./status-pipeline.js", import.meta.url), { workerData: spec });
    worker.once("message", (message: PipelineResult | { error: string }) => ("error" in message ? reject(new Error(`pipeline on port ${spec.port}: ${message.error}`)) : resolve(message)));
    worker.once("error", reject);
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchStatusServer()) console.log(`${r.name.padEnd(40)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
