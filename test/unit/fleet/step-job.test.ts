// The pure parts of the queue: a plan step as job data and options, reading it back, and how a
// worker ends a job after its step (done, retried with backoff, or failed for good).
import assert from "node:assert/strict";
import { test } from "node:test";
import { PLAN_VERSION, type Plan, type PlannedStep } from "../../../src/plan/plan.js";
import { judgeJobOutcome, placeAddedBinpkgs, planStepJob, queueName, readStepJob, stepJobId, stepJobOptions, STEP_JOB_VERSION } from "../../../src/fleet/queue/step-job.js";

function step(id: string, retries: number, persist = false): PlannedStep {
  return {
    kind: "host", argv: ["true"], env: {}, persist, workDir: `/state/work/r/${id}`, logFile: `/state/logs/r/${id}.log`, files: [],
    task: { id, kind: "run", title: id, origin: "binpkgbot.yml:3", retries }, group: 0, after: [],
  };
}

const plan = (steps: PlannedStep[]): Plan => ({
  version: PLAN_VERSION, runId: "20261202T000000000Z-42", config: "/t/binpkgbot.yml", stage: "/t/stage", pkgdir: "/t/packages", lockFile: "/t/.stage.lock",
  logDir: "/state/logs/r", warnings: [], steps, groups: steps.map((s) => [s.task.id]),
});

test("a step job carries the target, run, generation and fingerprint, and its plan with only this step", () => {
  const steps = [step("a", 2), step("b", 0, true)];
  const job = planStepJob(plan(steps), "arm64-server", steps[1] as PlannedStep, { stageGeneration: "g-20261201T000000Z", fingerprint: "abc" });
  assert.equal(job.version, STEP_JOB_VERSION);
  assert.equal(job.planVersion, PLAN_VERSION);
  assert.equal(job.target, "arm64-server");
  assert.equal(job.runId, "20261202T000000000Z-42");
  assert.equal(job.generation, "g-20261201T000000Z");
  assert.equal(job.fingerprint, "abc");
  assert.deepEqual(job.plan.steps.map((s) => s.task.id), ["b"]);
  assert.equal(job.plan.pkgdir, "/t/packages");
  assert.deepEqual(readStepJob(JSON.parse(JSON.stringify(job))), { job }, "it survives JSON, as in Redis");
});

test("job options: attempts are the step's retries plus one, with exponential backoff; the id is stable per run and task and has no ':'", () => {
  const planned = step("install-app-misc-foo", 2);
  const options = stepJobOptions(plan([planned]), planned, 30_000);
  assert.equal(options.attempts, 3);
  assert.deepEqual(options.backoff, { type: "exponential", delay: 30_000 });
  assert.equal(options.jobId, "20261202T000000000Z-42.install-app-misc-foo");
  assert.equal(stepJobId("a:b", "c"), "a_b.c");
  assert.equal(queueName("amd64-desktop"), "target-amd64-desktop");
});

test("a worker refuses data of another job or plan version, or without a step, saying what to do", () => {
  const planned = step("a", 0);
  const job = planStepJob(plan([planned]), "t", planned, { stageGeneration: "plain", fingerprint: null });
  assert.match(String((readStepJob({ ...job, planVersion: 1 }) as { problem: string }).problem), /same binpkgbot version/);
  assert.match(String((readStepJob({ ...job, version: 9 }) as { problem: string }).problem), /same binpkgbot version/);
  assert.match(String((readStepJob({ ...job, generation: undefined }) as { problem: string }).problem), /no generation/);
  assert.match(String((readStepJob({ ...job, step: null }) as { problem: string }).problem), /no plan step/);
  assert.match(String((readStepJob("x") as { problem: string }).problem), /not added by binpkgbot coordinator/);
});

test("a deterministic failure fails the job for good, a transient one and an interruption are retried, success and skips are done", () => {
  const failure = (cls: "fetch" | "build" | "masked") => ({ class: cls, summary: `${cls} went wrong` });
  assert.deepEqual(judgeJobOutcome({ result: "succeeded" }), { kind: "done" });
  assert.deepEqual(judgeJobOutcome({ result: "skipped" }), { kind: "done" });
  assert.deepEqual(judgeJobOutcome({ result: "failed", failure: failure("fetch") }), { kind: "retry", message: "fetch went wrong" });
  assert.deepEqual(judgeJobOutcome({ result: "failed", failure: failure("build") }), { kind: "unrecoverable", message: "build went wrong" });
  assert.deepEqual(judgeJobOutcome({ result: "failed", failure: failure("masked") }), { kind: "unrecoverable", message: "masked went wrong" });
  assert.deepEqual(judgeJobOutcome({ result: "failed", reason: "no class" }), { kind: "unrecoverable", message: "no class" });
  assert.equal(judgeJobOutcome({ result: "interrupted", reason: "stopped by a signal" }).kind, "retry");
});

test("the binpkgs a step added are recorded where the coordinator put them: another BUILD_ID in the path, the entry's BUILD_ID and PATH", () => {
  const entry = {
    cpv: "app-misc/hello-1.0", buildId: 1, path: "app-misc/hello/hello-1.0-1.gpkg.tar", use: [], slot: "0", eapi: "8",
    fields: { CPV: "app-misc/hello-1.0", BUILD_ID: "1", PATH: "app-misc/hello/hello-1.0-1.gpkg.tar" },
  };
  const same = { ...entry, cpv: "app-misc/other-1.0", path: "app-misc/other/other-1.0-1.gpkg.tar" };
  const [moved, kept] = placeAddedBinpkgs([entry, same], ["app-misc/hello/hello-1.0-3.gpkg.tar", same.path]);
  assert.equal(moved?.path, "app-misc/hello/hello-1.0-3.gpkg.tar");
  assert.equal(moved?.buildId, 3);
  assert.deepEqual(moved?.fields, { CPV: "app-misc/hello-1.0", BUILD_ID: "3", PATH: "app-misc/hello/hello-1.0-3.gpkg.tar" });
  assert.equal(kept, same, "one the coordinator took under its own name is as it was");
});
