// status --redis: one line per worker (labels, load, running/concurrency, targets), one per running job.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderWorkerStatuses, type WorkerStatus } from "../../../src/fleet/queue/worker-status.js";

const worker = (id: string, extra: Partial<WorkerStatus> = {}): WorkerStatus => ({
  id, hostname: "build1", labels: { arch: "amd64" }, concurrency: 2, load: 1.5, targets: ["amd64-desktop"], running: [], seenAt: "2026-12-02T08:00:00.000Z", ...extra,
});

test("each worker with its labels, load, jobs running of its concurrency and targets; each running job with its target, task and start", () => {
  const lines = renderWorkerStatuses([
    worker("build1-10-a1b2c3", { running: [{ target: "amd64-desktop", task: "install-www-client-firefox", jobId: "r.install-www-client-firefox", since: "2026-12-02T07:59:00.000Z" }] }),
    worker("build2-11-d4e5f6", { hostname: "build2", labels: {}, targets: [] }),
  ]);
  assert.deepEqual(lines, [
    "workers: 2",
    "  build1-10-a1b2c3 on build1  labels arch=amd64  load 1.50  running 1/2  targets amd64-desktop",
    "    amd64-desktop install-www-client-firefox (job r.install-www-client-firefox, since 2026-12-02T07:59:00.000Z)",
    "  build2-11-d4e5f6 on build2  labels (any target)  load 1.50  running 0/2  targets none yet",
  ]);
});

test("no worker: says how to start one", () => {
  assert.match(renderWorkerStatuses([])[0] ?? "", /workers: none \(start one: binpkgbot worker --redis URL/);
});
