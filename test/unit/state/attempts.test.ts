import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { openStateDatabase } from "../../../src/state/database.js";
import { StateDatabaseError } from "../../../src/state/state-error.js";
import { at, runStart, taskStart, tempStateDir } from "./state-fixtures.js";

describe("attempts of a retried task", () => {
  it("are kept per attempt, counted on the task result, and shown by history and log", () => {
    const dir = tempStateDir();
    const db = openStateDatabase(dir);
    const runId = db.startRun(runStart());
    const once = db.startTask(taskStart(runId, "hello", "fp-1"));
    db.finishTask(once, { result: "succeeded", exitCode: 0, durationMs: 100 });
    const retried = db.startTask(taskStart(runId, "tmux", "fp-2", 1));
    db.finishTask(retried, { result: "succeeded", exitCode: 0, durationMs: 31_000 });
    db.recordAttempts(retried, [
      { attempt: 1, startedAt: at(1), durationMs: 500, exitCode: 1, failureClass: "fetch", summary: "could not fetch tmux-3.5.tar.gz" },
      { attempt: 2, startedAt: at(31), durationMs: 600, exitCode: 0, failureClass: null, summary: null },
    ]);
    db.close();

    const again = openStateDatabase(dir);
    assert.deepEqual(again.history({ limit: 10 }).map((entry) => [entry.taskId, entry.attempts]), [["tmux", 2], ["hello", 1]]);
    assert.deepEqual(again.taskLog("tmux")?.attempts, [
      { attempt: 1, startedAt: at(1), durationMs: 500, exitCode: 1, failureClass: "fetch", summary: "could not fetch tmux-3.5.tar.gz" },
      { attempt: 2, startedAt: at(31), durationMs: 600, exitCode: 0, failureClass: null, summary: null },
    ]);
    assert.deepEqual(again.taskLog("hello")?.attempts, [], "a task that ran once has no attempt rows");
    again.close();
  });

  it("refuses attempts of a task result that does not exist, and writes none of them", () => {
    const db = openStateDatabase(tempStateDir());
    assert.throws(() => db.recordAttempts(42, [{ attempt: 1, startedAt: at(0), durationMs: 1, exitCode: 1, failureClass: "fetch", summary: null }]), StateDatabaseError);
    db.close();
  });
});
