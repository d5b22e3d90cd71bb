// runPlan's throw-away snapshots on btrfs (src/engine/keep-failed-step.ts), over a fake exec that stands
// in for btrfs and systemd-nspawn: the next step's snapshot is made while the step before it runs,
// never across a barrier and never for a step that is skipped, and every snapshot is gone when the run
// ends, whether its step ran, failed, was retried or never started.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { EngineEvent, RunObserver, StepDecision } from "../../../src/engine/events.js";
import { runPlan } from "../../../src/engine/run-plan.js";
import type { Exec, ExecOptions, ExecResult } from "../../../src/exec/exec.js";
import type { Plan, Step } from "../../../src/plan/plan.js";
import { planOnDisk } from "../../support/plan-on-disk.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-throw-away-snapshots-"));
after(() => rm(root, { recursive: true, force: true }));

/** A plan on a btrfs stage (so throw-away steps run in snapshots binpkgbot makes) of these task lines. */
function planOf(taskLines: string[]): Promise<Plan> {
  return planOnDisk(root, taskLines, "btrfs", "20261202T000000Z-1");
}

const throwAway = (name: string): string => `  - run: {persist: false, name: ${name}, script: 'true'}`;

/**
 * btrfs and systemd-nspawn as fakes that log what happened, in order: "snapshot NAME", "delete NAME",
 * "start NAME", "end NAME" (NAME: the task, from the snapshot's `.running-TASK-RUN` name or the
 * machine's index). A container lasts `ms` and exits with `codes[NAME]`, a list taken one per attempt.
 */
function fakeHost(plan: Plan, ms = 40, codes: Record<string, number[]> = {}) {
  const log: string[] = [];
  const live = new Set<string>();
  const taskOfSnapshot = (target: string): string => /^\.running-(.+)-\d{8}T\d{6}Z-\d+$/.exec(path.basename(target))?.[1] ?? target;
  const exec: Exec = {
    run: async (argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> => {
      const done = (code: number | null): ExecResult => ({ argv, code, signal: null, stdout: "", stderr: "" });
      if (argv[0] === "btrfs" && argv[2] === "snapshot") {
        const target = argv.at(-1) ?? "";
        await new Promise((resolve) => setTimeout(resolve, 5));
        await mkdir(target);
        live.add(target);
        log.push(`snapshot ${taskOfSnapshot(target)}`);
        return done(0);
      }
      if (argv[0] === "btrfs" && argv[2] === "delete") {
        const target = argv.at(-1) ?? "";
        await new Promise((resolve) => setTimeout(resolve, 5));
        await rm(target, { recursive: true });
        live.delete(target);
        log.push(`delete ${taskOfSnapshot(target)}`);
        return done(0);
      }
      if (argv[0] === "btrfs") return done(0);
      const index = Number(/-(\d+)$/.exec(argv.find((arg) => arg.startsWith("--machine=")) ?? "")?.[1]);
      // A host step runs its script from its work directory.
      const name = plan.steps[index]?.task.id ?? plan.steps.find((step) => argv.some((arg) => arg.startsWith(`${step.workDir}/`)))?.task.id ?? argv.join(" ");
      log.push(`start ${name}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        options.signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
      log.push(`end ${name}`);
      const code = codes[name]?.shift() ?? 0;
      // A failure Portage would call a fetch failure (src/failure/build-messages.ts): transient, so retried.
      if (code !== 0) await options.onStdout?.(Buffer.from(`!!! Fetch failed for 'app-misc/${name}-1', Log file:\n`));
      return done(code);
    },
  };
  return { exec, log, live };
}

/** Skips the named tasks, as the state database does for an unchanged one. */
function skipping(names: string[]): RunObserver {
  return {
    beforeStep: async (step: Step): Promise<StepDecision> => ({ skip: names.includes(step.task.id) ? "unchanged" : null, fingerprint: null, stageGeneration: null }),
    stepStarted: () => undefined,
    stepFinished: async () => undefined,
  };
}

function deps(exec: Exec, options: { observer?: RunObserver; signal?: AbortSignal; events?: EngineEvent[] } = {}) {
  return {
    exec, emit: (event: EngineEvent) => options.events?.push(event), clock: Date.now, signal: options.signal ?? new AbortController().signal,
    env: {}, sleep: async () => undefined, ...(options.observer ? { observer: options.observer } : {}),
  };
}

test("throw-away snapshots: the next step's snapshot is made while the step before it runs, and each is removed once the next container started", async () => {
  const plan = await planOf([throwAway("a"), throwAway("b"), throwAway("c")]);
  const host = fakeHost(plan);
  const outcome = await runPlan(plan, deps(host.exec), { failFast: false });
  assert.deepEqual(outcome.steps.map((step) => step.result), ["succeeded", "succeeded", "succeeded"]);
  assert.ok(host.log.indexOf("snapshot b") < host.log.indexOf("end a"), `b's snapshot before a ends: ${host.log.join(", ")}`);
  assert.ok(host.log.indexOf("snapshot c") < host.log.indexOf("end b"), `c's snapshot before b ends: ${host.log.join(", ")}`);
  for (const name of ["a", "b", "c"]) {
    assert.equal(host.log.filter((line) => line === `snapshot ${name}`).length, 1, `one snapshot of ${name}`);
    assert.ok(host.log.indexOf(`delete ${name}`) > host.log.indexOf(`end ${name}`), `${name}'s snapshot removed after its container`);
  }
  assert.ok(host.log.indexOf("delete a") > host.log.indexOf("start b"), `a's removal waits until b's container started: ${host.log.join(", ")}`);
  assert.ok(host.log.indexOf("delete a") < host.log.indexOf("end b"), `and is done while b runs: ${host.log.join(", ")}`);
  assert.ok(host.log.indexOf("delete b") > host.log.indexOf("start c"), `b's until c's: ${host.log.join(", ")}`);
  assert.deepEqual([...host.live], [], "nothing left when runPlan returns");
});

test("throw-away snapshots: none is made ahead across a barrier (a host run task may change the stage)", async () => {
  const plan = await planOf([throwAway("a"), "  - run: {host: true, name: barrier, script: 'true'}", throwAway("b")]);
  const host = fakeHost(plan);
  await runPlan(plan, deps(host.exec), { failFast: false });
  const barrierEnd = host.log.indexOf("end barrier");
  assert.ok(barrierEnd >= 0, host.log.join(", "));
  assert.ok(host.log.indexOf("snapshot b") > barrierEnd, `b's snapshot only after the barrier ended: ${host.log.join(", ")}`);
  assert.deepEqual([...host.live], []);
});

test("throw-away snapshots: a step that is skipped gets none", async () => {
  const plan = await planOf([throwAway("a"), throwAway("unchanged"), throwAway("c")]);
  const host = fakeHost(plan);
  const outcome = await runPlan(plan, deps(host.exec, { observer: skipping(["unchanged"]) }), { failFast: false });
  assert.deepEqual(outcome.steps.map((step) => step.result), ["succeeded", "skipped", "succeeded"]);
  assert.equal(host.log.filter((line) => line.endsWith(" unchanged")).length, 0, `nothing done for the skipped step: ${host.log.join(", ")}`);
});

test("throw-away snapshots: a snapshot made for a step that never starts (--fail-fast) is removed before the run ends", async () => {
  const plan = await planOf([throwAway("broken"), throwAway("never")]);
  const host = fakeHost(plan, 40, { broken: [1, 1, 1] });
  const outcome = await runPlan(plan, deps(host.exec), { failFast: true });
  assert.deepEqual(outcome.steps.map((step) => step.result), ["failed", "not-run"]);
  assert.ok(host.log.includes("snapshot never"), `made ahead while broken ran: ${host.log.join(", ")}`);
  assert.ok(host.log.includes("delete never"), `and removed: ${host.log.join(", ")}`);
  assert.ok(!host.log.includes("start never"));
  const left = await readdir(`${plan.stage}.failed`);
  assert.deepEqual(left.filter((name) => name.startsWith(".running-")), [], "no running snapshot stays");
  assert.deepEqual(left.filter((name) => !name.endsWith(".json")), ["broken-20261202T000000Z-1"], "only the kept failed one");
});

test("throw-away snapshots: a retried step gets a new snapshot for its next attempt, and nothing is left", async () => {
  const plan = await planOf(["  - run: {persist: false, name: flaky, script: 'true', retries: 1}"]);
  const host = fakeHost(plan, 20, { flaky: [1, 0] });
  const outcome = await runPlan(plan, deps(host.exec), { failFast: false });
  assert.equal(outcome.steps[0]?.result, "succeeded", host.log.join(", "));
  assert.deepEqual(host.log.filter((line) => line.startsWith("start ")), ["start flaky", "start flaky"], "two attempts");
  assert.equal(host.log.filter((line) => line === "snapshot flaky").length, 2, `one snapshot per attempt: ${host.log.join(", ")}`);
  assert.deepEqual([...host.live], [], "the first attempt's kept snapshot goes with the success, the second's after it");
});

test("throw-away snapshots: a signal while steps wait removes the snapshots made ahead", async () => {
  const plan = await planOf([throwAway("long"), throwAway("waiting")]);
  const host = fakeHost(plan, 5000);
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const outcome = await runPlan(plan, deps(host.exec, { signal: controller.signal }), { failFast: false });
  assert.deepEqual(outcome.steps.map((step) => step.result), ["interrupted", "not-run"]);
  assert.ok(host.log.includes("snapshot waiting") && host.log.includes("delete waiting"), host.log.join(", "));
  assert.deepEqual([...host.live], []);
});

test("throw-away snapshots: a decision that comes after the run ended makes no snapshot", async () => {
  const plan = await planOf([throwAway("long"), throwAway("late")]);
  const host = fakeHost(plan, 5000);
  const observer: RunObserver = {
    // The decision on `late` (its fingerprint, read ahead) takes longer than the run lasts.
    beforeStep: async (step) => {
      if (step.task.id === "late") await new Promise((resolve) => setTimeout(resolve, 300));
      return { skip: null, fingerprint: null, stageGeneration: null };
    },
    stepStarted: () => undefined,
    stepFinished: async () => undefined,
  };
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 50);
  const outcome = await runPlan(plan, deps(host.exec, { observer, signal: controller.signal }), { failFast: false });
  assert.deepEqual(outcome.steps.map((step) => step.result), ["interrupted", "not-run"]);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.ok(!host.log.includes("snapshot late"), host.log.join(", "));
  assert.deepEqual([...host.live], []);
});
