// The quarantine query on a real SQLite file, over task results recorded with their failures.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FailureClass } from "../../../src/failure/failure.js";
import { openStateDatabase, type StateDatabase } from "../../../src/state/database.js";
import type { TaskEnd } from "../../../src/state/tasks.js";
import { at, runStart, taskStart, tempStateDir } from "./state-fixtures.js";

type Result = TaskEnd["result"];
/** [result, fingerprint, failure class], one run each, oldest first; run i starts at second 10·i. */
type Row = [Result, string | null, FailureClass | null];

function history(rows: Row[]): StateDatabase {
  const db = openStateDatabase(tempStateDir());
  rows.forEach(([result, fingerprint, failureClass], index) => {
    const runId = db.startRun(runStart(index * 10));
    const failure = failureClass === null ? undefined : { class: failureClass, summary: `${failureClass} of app-misc/tmux`, fix: [], details: [], packages: [] };
    db.recordTask(taskStart(runId, "tmux", fingerprint, index * 10), { result, exitCode: result === "failed" ? 1 : null, durationMs: 5, failure });
  });
  return db;
}

function quarantineOf(rows: Row[], fingerprint = "fp-a"): { since: Date; failureClass: FailureClass } | null {
  const db = history(rows);
  try {
    return db.quarantine("tmux", fingerprint);
  } finally {
    db.close();
  }
}

describe("quarantine", () => {
  it("starts with a deterministic failure and lasts while the fingerprint is the same", () => {
    assert.equal(quarantineOf([]), null, "no history");
    assert.deepEqual(quarantineOf([["failed", "fp-a", "build"]]), { since: at(0), failureClass: "build" });
    assert.deepEqual(quarantineOf([["failed", "fp-a", "unknown"]]), { since: at(0), failureClass: "unknown" }, "an unknown class counts as deterministic");
    assert.equal(quarantineOf([["failed", "fp-a", "build"]], "fp-b"), null, "an input changed");
  });

  it("dates from the first failure of the current streak with this fingerprint", () => {
    assert.deepEqual(quarantineOf([
      ["failed", "fp-a", "build"], ["succeeded", "fp-a", null], ["failed", "fp-b", "masked"], ["failed", "fp-a", "build"],
      ["skipped", null, null], ["interrupted", "fp-a", null], ["not-run", null, null], ["failed", "fp-a", "build"],
    ]), { since: at(30), failureClass: "build" }, "the streak began at run 3; skips, interruptions and not-run results do not break it");
    assert.deepEqual(quarantineOf([["failed", "fp-a", "fetch"], ["failed", "fp-a", "blocker"]]), { since: at(0), failureClass: "blocker" },
      "an earlier transient failure with the same inputs is part of the streak");
  });

  it("is not started by transient, unclassified or interrupted results, and a success ends it", () => {
    assert.equal(quarantineOf([["failed", "fp-a", "fetch"]]), null, "transient: retried, never quarantined");
    assert.equal(quarantineOf([["failed", "fp-a", null]]), null, "no class recorded");
    assert.equal(quarantineOf([["failed", "fp-a", "interrupted"]]), null);
    assert.equal(quarantineOf([["succeeded", "fp-a", null], ["interrupted", "fp-a", null], ["not-run", null, null]]), null);
    assert.equal(quarantineOf([["failed", "fp-a", "build"], ["succeeded", "fp-a", null]]), null, "a success ends it");
    assert.equal(quarantineOf([["failed", "fp-a", "build"], ["failed", "fp-a", "fetch"]]), null, "the newest failure decides");
  });
});
