// The status server on 127.0.0.1 with a real (empty, then filled) state database.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { Failure } from "../../../src/failure/failure.js";
import { startStatusServer, type RunningStatusServer } from "../../../src/server/status-server.js";
import { openStateDatabase, openStateDatabaseReadOnly, stateDatabaseFile, type StateDatabase } from "../../../src/state/database.js";
import { migrate, schemaVersion } from "../../../src/state/migrate.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-status-"));
after(() => rm(root, { recursive: true, force: true }));
let dirs = 0;
const newStateDir = (): string => path.join(root, `state${++dirs}`);

async function serve(t: { after(fn: () => Promise<void>): void }, stateDir: string, current: () => unknown = () => null): Promise<RunningStatusServer> {
  const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, { stateDir: () => stateDir, daemon: () => ({ schedule: "1h", nextTick: null, current: current() }) });
  t.after(() => server.close());
  return server;
}

async function get(server: RunningStatusServer, url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${url}`, { ...init, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function recordRun(db: StateDatabase, taskId: string, result: "succeeded" | "failed"): void {
  const at = new Date(Date.UTC(2026, 10, 26));
  const runId = db.startRun({ startedAt: at, trigger: "daemon", configFile: "/etc/b.yml", configHash: "h" });
  db.recordTask({ runId, task: { id: taskId, kind: "install", title: `install ${taskId}` }, fingerprint: null, startedAt: at, logPath: null },
    { result, exitCode: result === "failed" ? 1 : 0, durationMs: 5, reason: result === "failed" ? "exit 1" : undefined });
}

const taskResults = (body: Record<string, unknown>): string[][] => (body.tasks as { taskId: string; result: string }[]).map(({ taskId, result }) => [taskId, result]);

/** The descriptors this process holds open on `file`. */
const openDescriptors = (file: string): number => readdirSync("/proc/self/fd").filter((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === file;
  } catch {
    return false;
  }
}).length;

it("answers /health and /status read-only, 404 elsewhere", async (t) => {
  const stateDir = newStateDir();
  let current: unknown = null;
  const server = await serve(t, stateDir, () => current);
  const health = await get(server, "/health");
  assert.equal(health.status, 200);
  assert.equal(health.body.ok, true);
  assert.equal(health.body.running, false);

  const empty = await get(server, "/status");
  assert.deepEqual({ lastRun: empty.body.lastRun, tasks: empty.body.tasks, current: empty.body.current }, { lastRun: null, tasks: [], current: null }, "no database yet");

  const db = openStateDatabase(stateDir);
  recordRun(db, "a", "failed");
  db.close();
  current = { phase: "tasks", task: "a" };
  const status = await get(server, "/status");
  assert.equal((status.body.lastRun as { id: number; trigger: string }).trigger, "daemon");
  assert.deepEqual(taskResults(status.body), [["a", "failed"]]);
  assert.deepEqual(status.body.current, { phase: "tasks", task: "a" });
  assert.equal((await get(server, "/health")).body.running, true);

  assert.equal((await get(server, "/nope")).status, 404);
  const post = await fetch(`${server.url}/status`, { method: "POST", signal: AbortSignal.timeout(5_000) });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get("allow"), "GET, HEAD");
});

describe("GET /status and the state database", () => {
  it("never creates one: a state_dir without a database stays without", async (t) => {
    const stateDir = newStateDir();
    const server = await serve(t, stateDir);
    assert.equal((await get(server, "/status")).status, 200);
    assert.equal(existsSync(stateDatabaseFile(stateDir)), false);
    assert.equal(existsSync(stateDir), false, "nor the directory");
  });

  it("never migrates one: an older schema is reported and left as it is", async (t) => {
    const stateDir = newStateDir();
    const file = stateDatabaseFile(stateDir);
    await mkdir(stateDir);
    const old = new Database(file);
    migrate(old, file, 1);
    old.close();
    const server = await serve(t, stateDir);
    const status = await get(server, "/status");
    assert.equal(status.status, 500);
    assert.match(String(status.body.error), /schema version 1, not \d+; the next run migrates it/);
    const after = new Database(file, { readonly: true });
    assert.equal(schemaVersion(after), 1);
    after.close();
  });

  it("opens the file read-only: a write through its connection fails", () => {
    const stateDir = newStateDir();
    openStateDatabase(stateDir).close();
    const db = openStateDatabaseReadOnly(stateDir);
    assert.ok(db);
    assert.throws(() => recordRun(db, "a", "succeeded"), /readonly/);
    db.close();
  });

  it("keeps one connection open across requests, and shows what another connection commits", async (t) => {
    const stateDir = newStateDir();
    const file = stateDatabaseFile(stateDir);
    const first = openStateDatabase(stateDir);
    recordRun(first, "a", "succeeded");
    first.close();
    const server = await serve(t, stateDir);
    for (let i = 0; i < 20; i += 1) await get(server, "/status");
    // With no other connection in this process, SQLite closes a closed connection's descriptor at once.
    assert.equal(openDescriptors(file), 1, "the server's, still open between requests");
    const writer = openStateDatabase(stateDir);
    recordRun(writer, "b", "failed");
    writer.close();
    assert.deepEqual(taskResults((await get(server, "/status")).body), [["a", "succeeded"], ["b", "failed"]]);
  });

  it("a database moved aside and started anew is read anew", async (t) => {
    const stateDir = newStateDir();
    const first = openStateDatabase(stateDir);
    recordRun(first, "a", "succeeded");
    first.close();
    const server = await serve(t, stateDir);
    assert.deepEqual(taskResults((await get(server, "/status")).body), [["a", "succeeded"]]);
    await rename(stateDatabaseFile(stateDir), `${stateDatabaseFile(stateDir)}.old`);
    await rm(`${stateDatabaseFile(stateDir)}-wal`, { force: true });
    await rm(`${stateDatabaseFile(stateDir)}-shm`, { force: true });
    assert.deepEqual(taskResults((await get(server, "/status")).body), [], "no database: nothing");
    const second = openStateDatabase(stateDir);
    recordRun(second, "c", "failed");
    second.close();
    assert.deepEqual(taskResults((await get(server, "/status")).body), [["c", "failed"]]);
  });
});

it("/status carries each task's failure: the whole Failure of a failed task, null for one that succeeded", async (t) => {
  const stateDir = newStateDir();
  const server = await serve(t, stateDir);
  const failure: Failure = { class: "fetch", summary: "could not fetch tmux-3.4.tar.gz", fix: ["check the mirrors"], details: [], packages: ["app-misc/tmux-3.4"] };
  const db = openStateDatabase(stateDir);
  const at = new Date(Date.UTC(2026, 10, 26));
  const runId = db.startRun({ startedAt: at, trigger: "daemon", configFile: "/etc/b.yml", configHash: "h" });
  db.recordTask({ runId, task: { id: "tmux", kind: "install", title: "install tmux" }, fingerprint: null, startedAt: at, logPath: null },
    { result: "failed", exitCode: 1, durationMs: 5, failure });
  recordRun(db, "hello", "succeeded");
  db.close();
  const tasks = (await get(server, "/status")).body.tasks as { taskId: string; failure: unknown }[];
  assert.deepEqual(tasks.map((task) => [task.taskId, task.failure]), [["tmux", failure], ["hello", null]]);
});
