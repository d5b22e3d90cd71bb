// The workers as GET /status and /api/workers give them: their JSON from the heartbeats, and one line
// when Redis cannot be reached, within the bound.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { once } from "node:events";
import { test } from "node:test";
import { createWorkersReader, describeRedis, readWorkersWithin, renderWorkersJson } from "../../../src/fleet/queue/read-workers.js";
import type { WorkerStatus } from "../../../src/fleet/queue/worker-status.js";

const heartbeat: WorkerStatus = {
  id: "build1-10-a1b2c3", hostname: "build1", labels: { arch: "amd64" }, concurrency: 4, load: 2.25, signer: true,
  targets: ["amd64-desktop"], skipped: [{ target: "arm64", reason: "why" }],
  running: [{ target: "amd64-desktop", task: "install-www-client-firefox", jobId: "r.install-www-client-firefox", since: "2026-12-02T07:59:00.000Z" }],
  seenAt: "2026-12-02T08:00:00.000Z",
};

test("each worker as JSON: id, host, labels, load, concurrency, signer, targets, skipped, running jobs with target and task, seenAt", () => {
  assert.deepEqual(JSON.parse(JSON.stringify(renderWorkersJson([heartbeat]))), [{
    id: "build1-10-a1b2c3", host: "build1", labels: { arch: "amd64" }, load: 2.25, concurrency: 4, signer: true,
    targets: ["amd64-desktop"], skipped: [{ target: "arm64", reason: "why" }],
    running: [{ target: "amd64-desktop", task: "install-www-client-firefox", jobId: "r.install-www-client-firefox", since: "2026-12-02T07:59:00.000Z" }],
    seenAt: "2026-12-02T08:00:00.000Z",
  }]);
  assert.deepEqual(renderWorkersJson([]), []);
});

test("Redis is named without user or password", () => {
  assert.equal(describeRedis({ host: "queue.lan", port: 6380, db: 2, tls: { servername: "queue.lan" } }), "rediss://queue.lan:6380/2");
  assert.equal(describeRedis({ host: "::1", port: 6379, db: 0 }), "redis://[::1]:6379/0");
});

const options = (port: number) => ({ host: "127.0.0.1", port, db: 0, password: "s3cret", maxRetriesPerRequest: null });

test("a port where nothing listens: one line naming Redis, at once, without the password", async () => {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const port = (probe.address() as { port: number }).port;
  probe.close();
  await once(probe, "close");
  const started = Date.now();
  const answer = await readWorkersWithin(options(port), 2000);
  assert.equal(answer.workers, null);
  assert.match(answer.workersError ?? "", new RegExp(`^the workers are not known: Redis at redis://127\\.0\\.0\\.1:${port}/0 did not answer \\(.*ECONNREFUSED.*\\); is redis-server running there`));
  assert.doesNotMatch(answer.workersError ?? "", /s3cret|\n/);
  assert.ok(Date.now() - started < 2000);
});

test("a server that accepts and never answers: given up after the bound, not hung", async (t) => {
  const silent = createServer((socket) => socket.on("error", () => undefined)).listen(0, "127.0.0.1");
  await once(silent, "listening");
  t.after(() => silent.close());
  const port = (silent.address() as { port: number }).port;
  const started = Date.now();
  const answer = await readWorkersWithin({ ...options(port), password: undefined }, 300);
  const took = Date.now() - started;
  assert.equal(answer.workers, null);
  assert.match(answer.workersError ?? "", /did not answer/);
  assert.ok(took >= 250 && took < 1500, `took ${took} ms`);
});

test("requests within the cache time share one read", async (t) => {
  const silent = createServer((socket) => socket.on("error", () => undefined)).listen(0, "127.0.0.1");
  await once(silent, "listening");
  t.after(() => silent.close());
  let connections = 0;
  silent.on("connection", () => connections++);
  const reader = createWorkersReader({ ...options((silent.address() as { port: number }).port), password: undefined }, { timeoutMs: 200, cacheMs: 60_000 });
  const [one, two] = await Promise.all([reader.read(), reader.read()]);
  assert.equal(one, two);
  assert.equal(await reader.read(), one, "a later request within the cache time");
  assert.equal(connections, 1);
});
