import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Failure, FailureClass } from "../../../src/failure/failure.js";
import { describeNotification } from "../../../src/notify/notification.js";
import { decideProblem, decideTaskTransitions, emptyMemory, type NotifyMemory } from "../../../src/notify/transitions.js";

/** Feeds runs in order and returns the events each run called for. */
function eventsOf(runs: [string, string][][]): string[][] {
  let memory: NotifyMemory = emptyMemory();
  return runs.map((results) => {
    const decided = decideTaskTransitions(memory, results.map(([taskId, result]) => ({ taskId, result, reason: result === "failed" ? "exit 1" : null })));
    memory = decided.memory;
    return decided.transitions.map((t) => `${t.event} ${t.task}`);
  });
}

describe("task notifications", () => {
  it("one message per change of state: failed once, recovered once", () => {
    assert.deepEqual(eventsOf([
      [["a", "succeeded"]], [["a", "failed"]], [["a", "failed"]], [["a", "failed"]], [["a", "succeeded"]], [["a", "succeeded"]],
    ]), [[], ["failed a"], [], [], ["recovered a"], []]);
  });

  it("a task whose first result is a failure is reported; interrupted and skipped change nothing", () => {
    assert.deepEqual(eventsOf([
      [["b", "failed"]], [["b", "interrupted"]], [["b", "skipped"]], [["b", "failed"]], [["b", "not-run"]], [["b", "succeeded"]],
    ]), [["failed b"], [], [], [], [], ["recovered b"]]);
  });

  it("tasks are independent", () => {
    assert.deepEqual(eventsOf([[["a", "succeeded"], ["b", "succeeded"]], [["a", "failed"], ["b", "succeeded"]], [["a", "succeeded"], ["b", "failed"]]]),
      [[], ["failed a"], ["recovered a", "failed b"]]);
  });

  it("the failure's reason goes with it", () => {
    const decided = decideTaskTransitions(emptyMemory(), [{ taskId: "a", result: "failed", reason: "emerge exited 1" }]);
    assert.deepEqual(decided.transitions, [{ event: "failed", task: "a", result: "failed", reason: "emerge exited 1", failure: null }]);
  });

  it("the failure goes with the failed transition; a recovery carries none", () => {
    const failure: Failure = { class: "fetch", summary: "could not fetch tmux-3.4.tar.gz", fix: ["check the mirrors"], details: [], packages: ["app-misc/tmux-3.4"] };
    const first = decideTaskTransitions(emptyMemory(), [{ taskId: "a", result: "failed", reason: "exit code 1", failure }]);
    assert.deepEqual(first.transitions, [{ event: "failed", task: "a", result: "failed", reason: "exit code 1", failure }]);
    const second = decideTaskTransitions(first.memory, [{ taskId: "a", result: "succeeded", reason: null, failure: null }]);
    assert.deepEqual(second.transitions, [{ event: "recovered", task: "a", result: "succeeded", reason: null, failure: null }]);
  });
});

const failureOf = (failureClass: FailureClass, summary: string): Failure => ({ class: failureClass, summary, fix: [], details: [], packages: [] });

/** Like eventsOf, with each result's failure class: "failed/build" is a build failure. */
function eventsWithClasses(runs: [string, string][][]): string[][] {
  let memory: NotifyMemory = emptyMemory();
  return runs.map((results) => {
    const decided = decideTaskTransitions(memory, results.map(([taskId, outcome]) => {
      const [result = "", failureClass] = outcome.split("/") as [string, FailureClass | undefined];
      const failure = failureClass ? failureOf(failureClass, `${failureClass} of ${taskId}`) : null;
      return { taskId, result, reason: result === "failed" ? "exit code 1" : null, failure };
    }));
    memory = decided.memory;
    return decided.transitions.map((t) => `${t.event} ${t.task}`);
  });
}

describe("quarantine notifications", () => {
  it("a deterministic failure is reported once as the start of a quarantine; the skips and failures after it are not", () => {
    assert.deepEqual(eventsWithClasses([
      [["a", "succeeded"]], [["a", "failed/build"]], [["a", "skipped"]], [["a", "skipped"]], [["a", "failed/build"]],
      [["a", "failed/fetch"]], [["a", "failed/masked"]], [["a", "succeeded"]],
    ]), [[], ["quarantined a"], [], [], [], [], [], ["recovered a"]]);
  });

  it("a task that was failing transiently is reported again when it enters quarantine", () => {
    assert.deepEqual(eventsWithClasses([[["a", "failed/fetch"]], [["a", "failed/fetch"]], [["a", "failed/unknown"]], [["a", "failed/unknown"]]]),
      [["failed a"], [], ["quarantined a"], []]);
  });

  it("transient, unclassified and interrupted failures never start a quarantine", () => {
    assert.deepEqual(eventsWithClasses([[["a", "failed/fetch"]], [["b", "failed"]], [["c", "failed/interrupted"]], [["d", "interrupted"]]]),
      [["failed a"], ["failed b"], ["failed c"], []]);
  });

  it("the notification says the task is not rebuilt until its inputs change, and how to try again", () => {
    const failure = failureOf("build", "app-misc/tmux-3.5 failed in src_compile");
    const [transition] = decideTaskTransitions(emptyMemory(), [{ taskId: "tmux", result: "failed", reason: "exit code 1", failure }]).transitions;
    assert.deepEqual(transition, { event: "quarantined", task: "tmux", result: "failed", reason: "exit code 1", failure });
    assert.equal(
      describeNotification({ ...transition, run: 3, host: "builder", time: "2026-11-26T03:15:00.000Z" }),
      "task tmux failed (build): app-misc/tmux-3.5 failed in src_compile; it is not rebuilt until its inputs change (binpkgbot run --force tmux to try again)",
    );
    assert.equal(
      describeNotification({ ...transition, failure: null, run: 3, host: "builder", time: "2026-11-26T03:15:00.000Z" }),
      "task tmux failed: exit code 1; it is not rebuilt until its inputs change (binpkgbot run --force tmux to try again)",
    );
  });
});

describe("problem notifications", () => {
  it("the same problem is reported once until it goes away", () => {
    let memory = emptyMemory();
    const notified: boolean[] = [];
    for (const problem of ["locked by 42", "locked by 42", null, "locked by 42", "locked by 43", null, null]) {
      const decided = decideProblem(memory, "run-not-started", problem);
      notified.push(decided.notify);
      memory = decided.memory;
    }
    assert.deepEqual(notified, [true, false, false, true, true, false, false]);
  });

  it("kinds are independent", () => {
    const first = decideProblem(emptyMemory(), "config-invalid", "x");
    assert.equal(decideProblem(first.memory, "run-not-started", "x").notify, true);
  });
});
