// The daemon's tick with the runs, the change key and the state faked: which runs it starts, what it
// remembers, and that nothing it meets stops it.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import type { Config } from "../../../src/config/config.js";
import { StageLockedError } from "../../../src/container/stage-lock.js";
import { createActivityTracker } from "../../../src/daemon/activity.js";
import { performAction } from "../../../src/dashboard/actions.js";
import { computeChangeKey } from "../../../src/daemon/change-key.js";
import type { DaemonState } from "../../../src/daemon/daemon-state.js";
import type { Logger } from "../../../src/daemon/log.js";
import { runTick, type TickDeps } from "../../../src/daemon/tick.js";
import type { StepOutcome } from "../../../src/engine/events.js";
import type { Failure } from "../../../src/failure/failure.js";
import type { PerformedRun, PerformRunOptions } from "../../../src/engine/perform-run.js";
import type { Notifier } from "../../../src/notify/notifier.js";
import { nodeExec } from "../../../src/exec/exec.js";

const config = { file: "/etc/binpkgbot/binpkgbot.yml", stateDir: "/var/lib/binpkgbot", sync: { kind: "emerge" }, tasks: [] } as unknown as Config;

function outcome(taskId: string, result: StepOutcome["result"]): StepOutcome {
  return { step: { task: { id: taskId } }, result, exitCode: 0, durationMs: 1, added: [] } as unknown as StepOutcome;
}

interface World {
  deps: TickDeps;
  runs: string[];
  key: { value: string };
  state: Map<string, DaemonState>;
  problems: [string, string | null][];
  results: { taskId: string; result: string }[][];
  lines: string[];
  next: { tasks: PerformedRun["result"]; error?: Error; added?: number };
  /** Coverage checks asked for. */
  rechecks: number;
}

function world(overrides: Partial<TickDeps> = {}, state = new Map<string, DaemonState>()): World {
  const w = { runs: [] as string[], key: { value: "k1" }, state, problems: [] as [string, string | null][], results: [] as { taskId: string; result: string }[][], lines: [] as string[], next: { tasks: "succeeded" as PerformedRun["result"] }, rechecks: 0 } as World;
  const log: Logger = { info: (_e, m) => void w.lines.push(`info: ${m}`), warning: (_e, m) => void w.lines.push(`warning: ${m}`), error: (_e, m) => void w.lines.push(`error: ${m}`) };
  const notifier: Notifier = {
    taskResults: async (_run, results) => void w.results.push(results.map(({ taskId, result }) => ({ taskId, result }))),
    problem: async (kind, reason) => void w.problems.push([kind, reason]),
    serverCoverage: async () => undefined,
  };
  let runId = 0;
  w.deps = {
    config: () => config,
    async performRun(_config: Config, options: PerformRunOptions): Promise<PerformedRun> {
      const steps = options.steps ?? "all";
      w.runs.push(steps);
      if (w.next.error) throw w.next.error;
      const result = steps === "sync" ? "succeeded" : w.next.tasks;
      const stepResult = result === "succeeded" ? "succeeded" : result === "failed" ? "failed" : "interrupted";
      const steps_ = steps === "sync" ? [outcome("sync", "succeeded")] : [{ ...outcome("a", stepResult), added: Array.from({ length: w.next.added ?? 0 }, () => ({})) as StepOutcome["added"] }];
      return { plan: {} as PerformedRun["plan"], outcome: { steps: steps_, interrupted: result === "interrupted" }, result, runId: ++runId };
    },
    readChangeKey: async () => w.key.value,
    readState: async (dir) => w.state.get(dir) ?? { changeKey: null, completedAt: null },
    writeState: async (dir, value) => void w.state.set(dir, value),
    recheckCoverage: async () => void w.rechecks++,
    notifier, log, emit: () => undefined, activity: createActivityTracker(),
    exec: nodeExec, env: {}, now: () => new Date(Date.UTC(2026, 10, 26)), signal: new AbortController().signal,
    ...overrides,
  };
  return w;
}

describe("a tick", () => {
  it("syncs, then runs the tasks only when the change key differs from the last task run's", async () => {
    const w = world();
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["sync", "tasks"], "first tick: no key remembered");
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["sync", "tasks", "sync"], "same key: sync only");
    assert.match(w.lines.join("\n"), /nothing changed .* tasks not run/);
    w.key.value = "k2";
    await runTick(w.deps);
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["sync", "tasks", "sync", "sync", "tasks", "sync"]);
  });

  it("checks the servers' coverage again after a task run that added binpkgs, not after one that added none", async () => {
    const w = world();
    await runTick(w.deps);
    assert.equal(w.rechecks, 0, "PKGDIR unchanged");
    w.key.value = "k2";
    w.next.added = 2;
    await runTick(w.deps);
    assert.equal(w.rechecks, 1);
    await runTick(w.deps);
    assert.equal(w.rechecks, 1, "nothing ran: nothing to check");
    w.key.value = "k3";
    w.next.tasks = "interrupted";
    await runTick(w.deps);
    assert.equal(w.rechecks, 1, "an interrupted run is not followed by a check");
  });

  it("runs the tasks although nothing changed while the dashboard forced a task for the next run", async () => {
    const stateDir = mkdtempSync(path.join(tmpdir(), "binpkgbot-tick-"));
    try {
      const w = world({ config: () => ({ ...config, stateDir }) });
      await runTick(w.deps);
      await performAction("force", { task: "a" }, { stateDir: () => stateDir, stage: () => "", now: () => new Date(), runNow: async () => "" });
      await runTick(w.deps);
      assert.deepEqual(w.runs, ["sync", "tasks", "sync", "tasks"], "same key, but a forced task");
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it("remembers the key in the state, so a restarted daemon does not run the tasks again", async () => {
    const first = world();
    await runTick(first.deps);
    assert.equal(first.state.get(config.stateDir)?.changeKey, "k1");
    const restarted = world({}, first.state);
    await runTick(restarted.deps);
    assert.deepEqual(restarted.runs, ["sync"]);
  });

  it("a completed run with failed tasks counts; an interrupted one does not", async () => {
    const w = world();
    w.next.tasks = "failed";
    await runTick(w.deps);
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["sync", "tasks", "sync"], "same inputs, same failure: not retried every tick");
    w.key.value = "k2";
    w.next.tasks = "interrupted";
    await runTick(w.deps);
    w.next.tasks = "succeeded";
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["sync", "tasks", "sync", "sync", "tasks", "sync", "tasks"]);
  });

  it("without a sync in the config, only the tasks run", async () => {
    const w = world({ config: () => ({ ...config, sync: { kind: "none" } }) });
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["tasks"]);
  });

  it("hands the steps' results to the notifier, and clears a run problem once a run starts", async () => {
    const w = world();
    await runTick(w.deps);
    assert.deepEqual(w.results, [[{ taskId: "sync", result: "succeeded" }], [{ taskId: "a", result: "succeeded" }]]);
    assert.deepEqual(w.problems, [["run-not-started", null], ["run-not-started", null]]);
  });

  it("hands a failed step's failure to the notifier", async () => {
    const failure: Failure = { class: "fetch", summary: "could not fetch tmux-3.4.tar.gz", fix: ["check the mirrors"], details: [], packages: [] };
    const handed: unknown[] = [];
    const w = world({
      config: () => ({ ...config, sync: { kind: "none" } }),
      notifier: { taskResults: async (_run, results) => void handed.push(...results), problem: async () => undefined, serverCoverage: async () => undefined },
      performRun: async () => ({
        plan: {} as PerformedRun["plan"], result: "failed", runId: 1,
        outcome: { steps: [{ ...outcome("a", "failed"), reason: "exit code 1", failure }, outcome("b", "succeeded")], interrupted: false },
      }),
    });
    await runTick(w.deps);
    assert.deepEqual(handed, [{ taskId: "a", result: "failed", reason: "exit code 1", failure }, { taskId: "b", result: "succeeded", reason: null, failure: null }]);
  });

  it("a run that cannot start is logged and notified, and does not throw", async () => {
    const w = world();
    w.next.error = new StageLockedError("/srv/stage.lock", { pid: 42, since: "2026-11-26T00:00:00.000Z" });
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["sync"]);
    assert.equal(w.problems[0]?.[0], "run-not-started");
    assert.match(w.problems[0]?.[1] ?? "", /stage is locked by PID 42/);
    assert.match(w.lines.join("\n"), /^error: a run could not start: stage is locked by PID 42/m);
  });

  it("an unexpected error is logged, and the tick ends normally", async () => {
    const w = world();
    w.next.error = new Error("disk on fire");
    await runTick(w.deps);
    assert.match(w.lines.join("\n"), /^error: the sync run ended with an error: disk on fire/m);
    w.next.error = undefined;
    w.key.value = "k9";
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["sync", "sync", "tasks"]);
  });

  it("an unreadable input is reported, and no task runs", async () => {
    const w = world({ readChangeKey: async () => { throw new Error("cannot read /srv/etc-portage"); } });
    await runTick(w.deps);
    assert.deepEqual(w.runs, ["sync"]);
    assert.match(w.problems.at(-1)?.[1] ?? "", /cannot tell whether anything changed: cannot read \/srv\/etc-portage/);
  });
});

describe("the change key", () => {
  const inputs = { repoRevision: "timestamp:1", etcPortageHash: "e1", configTexts: [{ file: "/a.yml", text: "tasks: []\n" }] };
  it("changes with each input, and only with them", () => {
    const base = computeChangeKey(inputs);
    assert.equal(computeChangeKey({ ...inputs }), base);
    assert.notEqual(computeChangeKey({ ...inputs, repoRevision: "timestamp:2" }), base);
    assert.notEqual(computeChangeKey({ ...inputs, etcPortageHash: "e2" }), base);
    assert.notEqual(computeChangeKey({ ...inputs, configTexts: [{ file: "/a.yml", text: "tasks: [x]\n" }] }), base);
    assert.notEqual(computeChangeKey({ ...inputs, configTexts: [...inputs.configTexts, { file: "/b.yml", text: "" }] }), base, "a new include, even empty");
  });
});
