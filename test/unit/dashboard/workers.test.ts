// The fleet's workers on the status server: /status gains `workers` (or one line why they are not known)
// only where the server was given Redis; /api/workers and the Workers page likewise.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { answerApi, type DashboardSource } from "../../../src/dashboard/api.js";
import { renderPage, PAGES } from "../../../src/dashboard/pages.js";
import type { WorkersAnswer } from "../../../src/fleet/queue/read-workers.js";
import { startStatusServer, type StatusSource } from "../../../src/server/status-server.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-workers-"));
after(() => rm(root, { recursive: true, force: true }));

const WORKERS: WorkersAnswer = {
  workers: [{
    id: "build1-10-a1b2c3", host: "build1", labels: { arch: "amd64" }, load: 0.5, concurrency: 2, signer: true, targets: ["amd64"], skipped: [],
    running: [{ target: "amd64", task: "install-app-misc-foo", jobId: "r.install-app-misc-foo", since: "2026-12-02T08:00:00.000Z" }], seenAt: "2026-12-02T08:00:01.000Z",
  }],
  workersError: null,
};
const UNREACHABLE: WorkersAnswer = { workers: null, workersError: "the workers are not known: Redis at redis://127.0.0.1:1/0 did not answer (connect ECONNREFUSED 127.0.0.1:1); is redis-server running there, and the password right?" };

async function statusOf(t: { after(fn: () => Promise<void>): void }, workers?: () => Promise<WorkersAnswer>): Promise<{ status: Record<string, unknown>; api: { status: number; body: Record<string, unknown> }; page: string }> {
  const source: StatusSource = { stateDir: () => path.join(root, "state"), daemon: () => ({ current: null }), ...(workers ? { workers } : {}) };
  const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, source);
  t.after(() => server.close());
  const get = (url: string) => fetch(`${server.url}${url}`, { signal: AbortSignal.timeout(5000) });
  const api = await get("/api/workers");
  return {
    status: (await (await get("/status")).json()) as Record<string, unknown>,
    api: { status: api.status, body: (await api.json()) as Record<string, unknown> },
    page: await (await get("/")).text(),
  };
}

describe("workers on the status server", () => {
  it("without Redis, /status has no workers key, /api/workers says how to get them, and no page links them", async (t) => {
    const { status, api, page } = await statusOf(t);
    assert.equal(Object.hasOwn(status, "workers"), false);
    assert.equal(Object.hasOwn(status, "workersError"), false);
    assert.equal(api.status, 404);
    assert.match(String(api.body.error), /started without Redis; start it with --redis URL/);
    assert.doesNotMatch(page, /href="\/workers"/);
  });

  it("with Redis, /status and /api/workers give each worker; the navigation links the Workers page", async (t) => {
    const { status, api, page } = await statusOf(t, () => Promise.resolve(WORKERS));
    assert.deepEqual(status.workers, WORKERS.workers);
    assert.equal(status.workersError, null);
    assert.equal(status.ok, true);
    assert.deepEqual(api, { status: 200, body: { ok: true, ...WORKERS } });
    assert.match(page, /<a href="\/workers">Workers<\/a>/);
  });

  it("an unreachable Redis is one line in /status and /api/workers, both still 200", async (t) => {
    const { status, api } = await statusOf(t, () => Promise.resolve(UNREACHABLE));
    assert.equal(status.workers, null);
    assert.equal(status.workersError, UNREACHABLE.workersError);
    assert.deepEqual(api, { status: 200, body: { ok: true, ...UNREACHABLE } });
  });

  it("/status follows the workers' answer when it changes", async (t) => {
    let answer: WorkersAnswer = WORKERS;
    const source: StatusSource = { stateDir: () => path.join(root, "state"), daemon: () => ({ current: null }), workers: () => Promise.resolve(answer) };
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, source);
    t.after(() => server.close());
    const read = async () => (await (await fetch(`${server.url}/status`)).json()) as Record<string, unknown>;
    assert.equal((await read()).workersError, null);
    answer = UNREACHABLE;
    assert.equal((await read()).workersError, UNREACHABLE.workersError);
  });
});

describe("the API and the page", () => {
  const source = (workers?: () => Promise<WorkersAnswer>): DashboardSource => ({ state: () => null, facts: async () => ({}), now: () => 0, ...(workers ? { workers } : {}) });

  it("GET /api/workers answers the workers, and /api/workers/x is no path", async () => {
    assert.deepEqual((await answerApi(new URL("http://d/api/workers"), source(() => Promise.resolve(WORKERS)))).body, { ok: true, ...WORKERS });
    assert.equal((await answerApi(new URL("http://d/api/workers/x"), source(() => Promise.resolve(WORKERS)))).status, 404);
  });

  it("the Workers page loads its own script", () => {
    const page = PAGES["/workers"];
    assert.ok(page);
    assert.match(renderPage(page, true), /<script src="\/assets\/workers\.js" defer><\/script>/);
  });
});
