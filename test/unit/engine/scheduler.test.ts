// The concurrency loop with a fake step runner: how many run at once, barriers, longest first,
// a failure that stops the run, and SIGINT/SIGTERM.
import assert from "node:assert/strict";
import { test } from "node:test";
import { planStepGraph, type GraphStep } from "../../../src/plan/step-graph.js";
import { runSchedule, SIGNAL_REASON, type Schedule } from "../../../src/engine/scheduler.js";

const install = (id: string): GraphStep => ({ kind: "container", persist: false, task: { id, kind: "install" } });
const upgrade = (id: string): GraphStep => ({ kind: "container", persist: true, task: { id, kind: "upgrade" } });
const hostRun = (id: string): GraphStep => ({ kind: "host", persist: false, task: { id, kind: "run" } });

type Result = "ok" | "failed" | string;

/** A runner whose steps end when the test says so (or when their signal aborts), recording what happened. */
function fakeRunner() {
  const log: string[] = [];
  const pending = new Map<number, (result: Result) => void>();
  const signals = new Map<number, AbortSignal>();
  let runningNow = 0;
  let maxRunning = 0;
  const run = (index: number, signal: AbortSignal): Promise<Result> => {
    log.push(`start ${index}`);
    signals.set(index, signal);
    runningNow++;
    maxRunning = Math.max(maxRunning, runningNow);
    return new Promise<Result>((resolve) => {
      const end = (result: Result): void => {
        if (!pending.delete(index)) return;
        runningNow--;
        log.push(`end ${index}`);
        resolve(result);
      };
      pending.set(index, end);
      signal.addEventListener("abort", () => end(`interrupted: ${String(signal.reason)}`), { once: true });
    });
  };
  return {
    run, log, signals,
    running: () => [...pending.keys()].sort((a, b) => a - b),
    max: () => maxRunning,
    finish: async (index: number, result: Result = "ok") => {
      const end = pending.get(index);
      assert.ok(end, `step ${index} is not running (running: ${[...pending.keys()].join(", ")})`);
      end(result);
      await settle();
    },
  };
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function schedule(steps: GraphStep[], jobs: number, runner: ReturnType<typeof fakeRunner>, options: { signal?: AbortSignal; durations?: Map<string, number>; failFast?: boolean } = {}): Promise<Schedule<Result>> {
  return runSchedule<Result>({
    graph: planStepGraph(steps, options.durations),
    jobs,
    signal: options.signal ?? new AbortController().signal,
    run: runner.run,
    stopAfter: (index, result) => (options.failFast && result === "failed" ? `--fail-fast: ${steps[index]?.task.id} failed` : null),
  });
}

test("scheduler: never more than `jobs` steps at once, and as many as that while enough are ready", async () => {
  const runner = fakeRunner();
  const steps = ["a", "b", "c", "d", "e", "f", "g", "h"].map(install);
  const done = schedule(steps, 3, runner);
  await settle();
  assert.deepEqual(runner.running(), [0, 1, 2], "three start at once");
  for (const index of [1, 0, 3, 2, 4, 5, 6, 7]) {
    await runner.finish(index);
    assert.ok(runner.running().length <= 3);
  }
  const result = await done;
  assert.equal(runner.max(), 3);
  assert.equal(result.results.size, 8);
  assert.equal(result.stopReason, null);
});

test("scheduler: jobs 1 runs one step at a time in group order", async () => {
  const runner = fakeRunner();
  const done = schedule([install("a"), install("b"), upgrade("u"), install("c")], 1, runner);
  for (const index of [0, 1, 2, 3]) {
    await settle();
    assert.deepEqual(runner.running(), [index]);
    await runner.finish(index);
  }
  await done;
  assert.equal(runner.max(), 1);
});

test("scheduler: a barrier waits for every step before it and runs alone; the steps after it wait for it", async () => {
  const runner = fakeRunner();
  const done = schedule([install("a"), install("b"), upgrade("u"), install("c"), install("d"), hostRun("h"), install("e")], 4, runner);
  await settle();
  assert.deepEqual(runner.running(), [0, 1], "the barrier does not start beside a and b though jobs allow it");
  await runner.finish(1);
  assert.deepEqual(runner.running(), [0], "nor beside a alone");
  await runner.finish(0);
  assert.deepEqual(runner.running(), [2], "the upgrade runs alone");
  await runner.finish(2);
  assert.deepEqual(runner.running(), [3, 4]);
  await runner.finish(3);
  assert.deepEqual(runner.running(), [4], "the host run task waits for d");
  await runner.finish(4);
  assert.deepEqual(runner.running(), [5]);
  await runner.finish(5);
  assert.deepEqual(runner.running(), [6]);
  await runner.finish(6);
  await done;
});

test("scheduler: inside a group the longest last run starts first", async () => {
  const runner = fakeRunner();
  const durations = new Map([["b", 50], ["c", 900], ["d", 100]]);
  const done = schedule([install("a"), install("b"), install("c"), install("d")], 2, runner, { durations });
  await settle();
  assert.deepEqual(runner.running(), [2, 3], "c (900 ms) and d (100 ms) first");
  await runner.finish(3);
  assert.deepEqual(runner.running(), [1, 2], "then b (50 ms), a (none recorded) last");
  await runner.finish(2);
  await runner.finish(1);
  await runner.finish(0);
  await done;
  assert.deepEqual(runner.log.filter((line) => line.startsWith("start")), ["start 2", "start 3", "start 1", "start 0"]);
});

test("scheduler: a stopping failure stops the running steps with its reason and starts nothing new", async () => {
  const runner = fakeRunner();
  const done = schedule(["a", "b", "c", "d", "e"].map(install), 3, runner, { failFast: true });
  await settle();
  assert.deepEqual(runner.running(), [0, 1, 2]);
  await runner.finish(1, "failed");
  const result = await done;
  assert.equal(result.stopReason, "--fail-fast: b failed");
  assert.equal(result.results.get(0), "interrupted: --fail-fast: b failed");
  assert.equal(result.results.get(2), "interrupted: --fail-fast: b failed");
  assert.ok(!result.results.has(3) && !result.results.has(4), "d and e never start");
  assert.ok(!runner.log.includes("start 3"));
});

test("scheduler: a failure that does not stop the run lets the others go on", async () => {
  const runner = fakeRunner();
  const done = schedule(["a", "b", "c"].map(install), 2, runner);
  await settle();
  await runner.finish(0, "failed");
  assert.deepEqual(runner.running(), [1, 2]);
  await runner.finish(1);
  await runner.finish(2);
  const result = await done;
  assert.equal(result.results.size, 3);
});

test("scheduler: SIGINT/SIGTERM aborts every running step and starts nothing new", async () => {
  const runner = fakeRunner();
  const controller = new AbortController();
  const done = schedule(["a", "b", "c", "d"].map(install), 2, runner, { signal: controller.signal });
  await settle();
  controller.abort();
  const result = await done;
  assert.deepEqual([...result.results.keys()].sort(), [0, 1]);
  assert.equal(result.results.get(0), `interrupted: ${SIGNAL_REASON}`);
  assert.equal(result.stopReason, null, "a signal is not a failure's reason");
  assert.ok(!runner.log.includes("start 2"));
});

test("scheduler: a runner that throws stops the others and the error comes out after they ended", async () => {
  const runner = fakeRunner();
  const steps = ["a", "b", "c"].map(install);
  let calls = 0;
  const done = runSchedule<Result>({
    graph: planStepGraph(steps), jobs: 2, signal: new AbortController().signal, stopAfter: () => null,
    run: (index, signal) => (++calls === 2 ? Promise.reject(new Error("database is locked")) : runner.run(index, signal)),
  });
  await assert.rejects(done, /database is locked/);
  assert.deepEqual(runner.log, ["start 0", "end 0"], "the running step was stopped before the error came out; c never started");
});

test("scheduler: upNext names the step that starts next", async () => {
  const runner = fakeRunner();
  const upNext: number[] = [];
  const steps = [install("a"), install("b"), upgrade("u")];
  const done = runSchedule<Result>({ graph: planStepGraph(steps), jobs: 1, signal: new AbortController().signal, run: runner.run, stopAfter: () => null, upNext: (index) => upNext.push(index) });
  await settle();
  await runner.finish(0);
  await runner.finish(1);
  await runner.finish(2);
  await done;
  assert.deepEqual(upNext.slice(0, 2), [1, 2]);
});

test("scheduler: with jobs: 2, upNext names the next two steps, ready only while no barrier before them is unfinished", async () => {
  const runner = fakeRunner();
  const upNext: [number, boolean][] = [];
  let upgraded = false;
  const steps = [install("a"), install("b"), install("c"), install("d"), upgrade("u"), install("e")];
  const done = runSchedule<Result>({
    graph: planStepGraph(steps), jobs: 2, signal: new AbortController().signal, run: runner.run, stopAfter: () => null,
    upNext: (index, ready) => {
      upNext.push([index, ready]);
      if (index === 5 && ready) assert.ok(upgraded, "e is ready only once u finished");
    },
  });
  await settle();
  assert.deepEqual(upNext.slice(0, 2), [[2, true], [3, true]], "a and b run: c and d are next, and nothing they wait for is running");
  for (const index of [0, 1, 2, 3]) await runner.finish(index);
  assert.ok(upNext.some(([index, ready]) => index === 5 && !ready), "e is named while u runs, not ready");
  upgraded = true;
  await runner.finish(4);
  await runner.finish(5);
  await done;
});
