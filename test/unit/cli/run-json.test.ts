// `binpkgbot run --json`: one document with every step, each with its whole Failure under "failure"
// (null when none), versioned for the programs that read it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderRunJson, RUN_JSON_VERSION } from "../../../src/cli/run-json.js";
import type { StepOutcome } from "../../../src/engine/events.js";
import type { Failure } from "../../../src/failure/failure.js";
import type { Step } from "../../../src/plan/plan.js";

function step(id: string): Step {
  return { task: { id, kind: "install", title: `install app-misc/${id}`, origin: "binpkgbot.yml:1" }, logFile: `/logs/r1/${id}.log` } as unknown as Step;
}

const broken: Failure = {
  class: "build", summary: "app-misc/broken-1.0 failed in src_compile", fix: ["read the build log: binpkgbot log broken"],
  details: ["make: *** [Makefile:12: all] Error 1"], packages: ["app-misc/broken-1.0"], buildLog: "/logs/r1/broken/build.log", phase: "src_compile",
};

test("run --json has every step with its whole failure under \"failure\", null when none", () => {
  const steps: StepOutcome[] = [
    { step: step("hello"), result: "succeeded", exitCode: 0, durationMs: 4200.4, added: [{ cpv: "app-misc/hello-1.0", buildId: 2, path: "app-misc/hello/hello-1.0-2.gpkg.tar", use: ["amd64"], slot: "0", eapi: "8", fields: {} }] },
    { step: step("broken"), result: "failed", exitCode: 1, durationMs: 900, added: [], reason: "exit code 1; see /logs/r1/broken.log", failure: broken },
    { step: step("plain"), result: "failed", exitCode: 1, durationMs: 10, added: [], reason: "exit code 1" },
  ];
  const document = JSON.parse(renderRunJson({ runId: 7, result: "failed", plan: { logDir: "/logs/r1" }, outcome: { steps, interrupted: false } })) as Record<string, unknown>;
  assert.deepEqual(document, {
    version: RUN_JSON_VERSION, run: 7, result: "failed", logDir: "/logs/r1",
    steps: [
      { task: "hello", kind: "install", title: "install app-misc/hello", result: "succeeded", exitCode: 0, durationMs: 4200, reason: null, logFile: "/logs/r1/hello.log",
        added: [{ cpv: "app-misc/hello-1.0", buildId: 2, use: ["amd64"], path: "app-misc/hello/hello-1.0-2.gpkg.tar" }], failure: null },
      { task: "broken", kind: "install", title: "install app-misc/broken", result: "failed", exitCode: 1, durationMs: 900, reason: "exit code 1; see /logs/r1/broken.log",
        logFile: "/logs/r1/broken.log", added: [], failure: broken },
      { task: "plain", kind: "install", title: "install app-misc/plain", result: "failed", exitCode: 1, durationMs: 10, reason: "exit code 1",
        logFile: "/logs/r1/plain.log", added: [], failure: null },
    ],
  });
});
