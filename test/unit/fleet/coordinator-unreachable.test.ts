// A job whose transfer fails because the coordinator could not be reached is tried again; one the
// coordinator refused (a wrong generation, a bad upload, a wrong token) is not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isCoordinatorUnreachable } from "../../../src/fleet/queue/run-step-job.js";
import { judgeJobOutcome } from "../../../src/fleet/queue/step-job.js";
import { StageSyncError } from "../../../src/fleet/transfer/stage-sync.js";
import { CoordinatorError } from "../../../src/fleet/transfer/transfer-client.js";

const errno = (code: string): Error => Object.assign(new Error(`connect ${code} 10.0.0.1:8737`), { code });
const wrapped = (cause: Error): Error => new StageSyncError("target amd64: cannot receive stage gen-3 from the coordinator", { cause: new CoordinatorError("GET https://c:8737/…", null, { cause }) });

test("connection refused, reset or timed out, and a proxy's 502/503/504 are the coordinator being away", () => {
  for (const code of ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]) assert.equal(isCoordinatorUnreachable(wrapped(errno(code))), true, code);
  for (const status of [502, 503, 504]) assert.equal(isCoordinatorUnreachable(new StageSyncError("x", { cause: new CoordinatorError("answered", status) })), true, String(status));
});

test("what the coordinator answered (401, 409, 422, 500) or a name that does not resolve is not retried", () => {
  for (const status of [400, 401, 404, 409, 422, 500]) assert.equal(isCoordinatorUnreachable(new StageSyncError("x", { cause: new CoordinatorError("answered", status) })), false, String(status));
  assert.equal(isCoordinatorUnreachable(wrapped(errno("ENOTFOUND"))), false);
  assert.equal(isCoordinatorUnreachable(new StageSyncError("the job names stage gen-4, but the coordinator has gen-5")), false);
});

test("an interrupted outcome is retried by the queue; a refused (host) one fails for good", () => {
  assert.equal(judgeJobOutcome({ result: "interrupted", reason: "connect ECONNREFUSED" }).kind, "retry");
  assert.equal(judgeJobOutcome({ result: "failed", reason: "x", failure: { class: "host", summary: "x did not run" } }).kind, "unrecoverable");
});
