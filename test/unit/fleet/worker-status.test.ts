// status --redis: one line per worker (signer, labels, load, running/concurrency, targets), one per running
// job and skipped target; a heartbeat read back only as a worker writes it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWorkerStatus, renderWorkerStatuses, type WorkerStatus } from "../../../src/fleet/queue/worker-status.js";

const worker = (id: string, extra: Partial<WorkerStatus> = {}): WorkerStatus => ({
  id, hostname: "build1", labels: { arch: "amd64" }, concurrency: 2, load: 1.5, signer: false, targets: ["amd64-desktop"], skipped: [], running: [], seenAt: "2026-12-02T08:00:00.000Z", ...extra,
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

test("a signer is marked, and each target a worker does not take is named with the reason", () => {
  const lines = renderWorkerStatuses([
    worker("sign1-12-aaaaaa", { signer: true }),
    worker("build3-13-bbbbbb", { targets: [], skipped: [{ target: "amd64-signed", reason: "amd64-signed signs its binpkgs (signing.key ABC): only workers started with --signer … build it" }] }),
  ]);
  assert.equal(lines[1], "  sign1-12-aaaaaa on build1  signer  labels arch=amd64  load 1.50  running 0/2  targets amd64-desktop");
  assert.equal(lines[2], "  build3-13-bbbbbb on build1  labels arch=amd64  load 1.50  running 0/2  targets none yet");
  assert.equal(lines[3], "    not taken: amd64-signed: amd64-signed signs its binpkgs (signing.key ABC): only workers started with --signer … build it");
});

test("a heartbeat is read back field by field: an older one without signer or skipped is no signer, junk is left out", () => {
  const written = worker("w", { signer: true, running: [{ target: "t", task: "x", jobId: "j", since: "s" }] });
  assert.deepEqual(parseWorkerStatus(JSON.stringify(written)), written);
  const { signer: _signer, skipped: _skipped, ...older } = written;
  assert.deepEqual(parseWorkerStatus(JSON.stringify(older)), { ...written, signer: false, skipped: [] });
  assert.equal(parseWorkerStatus(JSON.stringify({ ...written, signer: "yes" }))?.signer, false, "only true makes a signer");
  assert.deepEqual(parseWorkerStatus(JSON.stringify({ ...written, secret: "x", running: [{ target: "t" }, 3] }))?.running, [], "half a job is no job");
  assert.equal(Object.hasOwn(parseWorkerStatus(JSON.stringify({ ...written, secret: "x" })) ?? {}, "secret"), false, "unknown fields are dropped");
  for (const junk of ["", "{", "[]", "null", JSON.stringify({ ...written, id: 3 }), JSON.stringify({ ...written, labels: { a: 1 } }), JSON.stringify({ ...written, load: "1" })]) {
    assert.equal(parseWorkerStatus(junk), null, junk);
  }
});
