import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openStateDatabase, type StateDatabase } from "../../../src/state/database.js";
import { at, runStart, taskStart, tempStateDir } from "./state-fixtures.js";

/** Two runs: run 1 builds a and b; run 2 fails a and skips b. */
function twoRuns(): { state: StateDatabase; run1: number; run2: number } {
  const state = openStateDatabase(tempStateDir());
  const run1 = state.startRun(runStart());
  state.recordTask(taskStart(run1, "a", "fa", 0), { result: "succeeded", exitCode: 0, durationMs: 100 });
  const b1 = state.recordTask(taskStart(run1, "b", "fb", 1), { result: "succeeded", exitCode: 0, durationMs: 200 });
  state.recordElog(b1, [{ package: "cat/b-1", class: "qa", phase: "install", text: "QA notice" }]);
  state.finishRun(run1, { endedAt: at(5), result: "succeeded" });
  const run2 = state.startRun(runStart(60));
  state.recordTask(taskStart(run2, "a", "fa2", 60), { result: "failed", exitCode: 1, durationMs: 300, reason: "exit code 1" });
  state.recordTask({ ...taskStart(run2, "b", "fb", 61), logPath: null }, { result: "skipped", exitCode: null, durationMs: 0, reason: "unchanged" });
  state.finishRun(run2, { endedAt: at(65), result: "failed" });
  return { state, run1, run2 };
}

describe("status, history and log queries", () => {
  it("taskStatus gives each task's newest result and when it last succeeded", () => {
    const { state, run2 } = twoRuns();
    const status = state.taskStatus();
    assert.deepEqual(status.map((task) => [task.taskId, task.runId, task.result, task.lastSucceededAt?.toISOString()]), [
      ["a", run2, "failed", at(0).toISOString()],
      ["b", run2, "skipped", at(1).toISOString()],
    ]);
    state.close();
  });

  it("history lists results newest first, of one task or all, up to the limit", () => {
    const { state, run1, run2 } = twoRuns();
    assert.deepEqual(state.history({ limit: 3 }).map((entry) => [entry.runId, entry.taskId, entry.result, entry.runResult]), [
      [run2, "b", "skipped", "failed"],
      [run2, "a", "failed", "failed"],
      [run1, "b", "succeeded", "succeeded"],
    ]);
    assert.deepEqual(state.history({ taskId: "a", limit: 10 }).map((entry) => [entry.runId, entry.reason]), [
      [run2, "exit code 1"],
      [run1, null],
    ]);
    assert.equal(state.history({ taskId: "a", limit: 10 })[0]?.trigger, "manual");
    state.close();
  });

  it("taskLog picks the newest result that ran, or the one of the given run", () => {
    const { state, run1, run2 } = twoRuns();
    const newest = state.taskLog("b");
    assert.equal(newest?.result.runId, run1, "the skipped result of run 2 has no log");
    assert.deepEqual(newest?.elog.map((message) => message.text), ["QA notice"]);
    assert.equal(state.taskLog("b", run2)?.result.result, "skipped");
    assert.equal(state.taskLog("a")?.result.runId, run2);
    assert.equal(state.taskLog("missing"), null);
    assert.equal(state.taskLog("a", 99), null);
    state.close();
  });
});
