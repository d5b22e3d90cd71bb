// The status server on 127.0.0.1 with a real (empty, then filled) state database.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { startStatusServer } from "../../../src/server/status-server.js";
import { openStateDatabase } from "../../../src/state/database.js";

const stateDir = await mkdtemp(path.join(tmpdir(), "binpkgbot-status-"));
after(() => rm(stateDir, { recursive: true, force: true }));

it("answers /health and /status read-only, 404 elsewhere", async (t) => {
  let current: unknown = null;
  const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, {
    stateDir: () => stateDir,
    daemon: () => ({ schedule: "1h", nextTick: null, current }),
  });
  t.after(() => server.close());
  const get = async (url: string, init?: RequestInit) => {
    const response = await fetch(`${server.url}${url}`, { ...init, signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const health = await get("/health");
  assert.equal(health.status, 200);
  assert.equal(health.body.ok, true);
  assert.equal(health.body.running, false);

  const empty = await get("/status");
  assert.deepEqual({ lastRun: empty.body.lastRun, tasks: empty.body.tasks, current: empty.body.current }, { lastRun: null, tasks: [], current: null }, "no database yet");

  const db = openStateDatabase(stateDir);
  const runId = db.startRun({ startedAt: new Date(Date.UTC(2026, 10, 26)), trigger: "daemon", configFile: "/etc/b.yml", configHash: "h" });
  db.recordTask({ runId, task: { id: "a", kind: "install", title: "install a" }, fingerprint: null, startedAt: new Date(Date.UTC(2026, 10, 26)), logPath: null },
    { result: "failed", exitCode: 1, durationMs: 5, reason: "exit 1" });
  db.close();
  current = { phase: "tasks", task: "a" };
  const status = await get("/status");
  assert.equal((status.body.lastRun as { id: number; trigger: string }).trigger, "daemon");
  assert.deepEqual((status.body.tasks as { taskId: string; result: string }[]).map(({ taskId, result }) => [taskId, result]), [["a", "failed"]]);
  assert.deepEqual(status.body.current, { phase: "tasks", task: "a" });
  assert.equal((await get("/health")).body.running, true);

  assert.equal((await get("/nope")).status, 404);
  const post = await fetch(`${server.url}/status`, { method: "POST", signal: AbortSignal.timeout(5_000) });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
});
