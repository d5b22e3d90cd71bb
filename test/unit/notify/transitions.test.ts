import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
    assert.deepEqual(decided.transitions, [{ event: "failed", task: "a", result: "failed", reason: "emerge exited 1" }]);
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
