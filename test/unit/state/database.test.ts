import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openStateDatabase, stateDatabaseFile } from "../../../src/state/database.js";
import { SCHEMA_VERSION } from "../../../src/state/migrate.js";
import { StateDatabaseError } from "../../../src/state/state-error.js";
import type { BinpkgEntry } from "../../../src/portage/packages-index.js";
import { at, runStart, taskStart, tempStateDir } from "./state-fixtures.js";

const hello: BinpkgEntry = {
  cpv: "app-misc/hello-1.0", buildId: 2, buildTime: 1764126900, path: "app-misc/hello/hello-1.0-2.gpkg.tar",
  size: 10240, use: ["amd64", "foo"], slot: "0", eapi: "8", fields: {},
};

describe("state database", () => {
  it("keeps runs, task results, binpkgs and elog messages across close and reopen", () => {
    const dir = tempStateDir();
    const first = openStateDatabase(dir);
    const runId = first.startRun(runStart());
    const taskId = first.startTask(taskStart(runId, "hello", "fp-1"));
    first.recordBinpkgs(taskId, [hello, { ...hello, buildId: undefined, size: undefined, buildTime: undefined, use: [] }]);
    first.recordElog(taskId, [{ package: "app-misc/hello-1.0", class: "warn", phase: "postinst", text: "read the news" }]);
    first.finishTask(taskId, { result: "succeeded", exitCode: 0, durationMs: 1500 });
    first.finishRun(runId, { endedAt: at(2), result: "succeeded" });
    first.close();

    const second = openStateDatabase(dir);
    assert.deepEqual(second.lastRun(), { id: runId, ...runStart(), endedAt: at(2), result: "succeeded" });
    assert.equal(second.lastSuccessfulFingerprint("hello"), "fp-1");
    const log = second.taskLog("hello");
    assert.equal(log?.result.durationMs, 1500);
    assert.equal(log?.result.logPath, `/var/lib/binpkgbot/logs/${runId}/hello.log`);
    assert.deepEqual(log?.binpkgs, [
      { cpv: "app-misc/hello-1.0", buildId: 2, use: ["amd64", "foo"], size: 10240, path: hello.path, buildTime: 1764126900 },
      { cpv: "app-misc/hello-1.0", buildId: null, use: [], size: null, path: hello.path, buildTime: null },
    ]);
    assert.deepEqual(log?.elog, [{ package: "app-misc/hello-1.0", class: "warn", phase: "postinst", text: "read the news" }]);
    second.close();
  });

  it("uses WAL journal mode and foreign keys", () => {
    const dir = tempStateDir();
    openStateDatabase(dir).close();
    const raw = new Database(stateDatabaseFile(dir));
    assert.equal(raw.pragma("journal_mode", { simple: true }), "wal");
    raw.close();
    const state = openStateDatabase(dir);
    assert.throws(() => state.startTask(taskStart(999, "orphan", null)), /FOREIGN KEY/);
    state.close();
  });

  it("refuses a database written by a newer binpkgbot, and leaves it alone", () => {
    const dir = tempStateDir();
    openStateDatabase(dir).close();
    const raw = new Database(stateDatabaseFile(dir));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    assert.throws(() => openStateDatabase(dir), (error: unknown) => {
      assert.ok(error instanceof StateDatabaseError);
      assert.match(error.message, new RegExp(`state\\.db has schema version ${SCHEMA_VERSION + 1}, written by a newer binpkgbot`));
      assert.match(error.message, /upgrade binpkgbot/);
      return true;
    });
    const again = new Database(stateDatabaseFile(dir));
    assert.equal(again.pragma("user_version", { simple: true }), SCHEMA_VERSION + 1);
    again.close();
  });

  it("names the file when it is not a database", async () => {
    const dir = tempStateDir();
    const { writeFileSync } = await import("node:fs");
    writeFileSync(stateDatabaseFile(dir), "this is not sqlite, just text that is long enough to be a header of a file");
    assert.throws(() => openStateDatabase(dir), (error: unknown) => {
      assert.ok(error instanceof StateDatabaseError);
      assert.ok(error.message.includes(stateDatabaseFile(dir)), error.message);
      return true;
    });
  });

  it("rejects finishing a run or task that does not exist", () => {
    const state = openStateDatabase(tempStateDir());
    assert.throws(() => state.finishRun(41, { endedAt: at(1), result: "failed" }), /no run 41/);
    assert.throws(() => state.finishTask(42, { result: "failed", exitCode: 1, durationMs: 1 }), /no task result 42/);
    state.close();
  });

  it("rolls back every write of a failed transaction", () => {
    const state = openStateDatabase(tempStateDir());
    assert.throws(() => state.transaction(() => {
      state.startRun(runStart());
      throw new Error("boom");
    }), /boom/);
    assert.equal(state.lastRun(), null);
    state.close();
  });
});

describe("recoverInterrupted", () => {
  it("marks runs and tasks left running as interrupted, and they never count as success", () => {
    const dir = tempStateDir();
    const killed = openStateDatabase(dir);
    const run1 = killed.startRun(runStart());
    const done = killed.startTask(taskStart(run1, "hello", "fp-old"));
    killed.finishTask(done, { result: "succeeded", exitCode: 0, durationMs: 10 });
    killed.finishRun(run1, { endedAt: at(1), result: "succeeded" });
    const run2 = killed.startRun(runStart(100));
    killed.startTask(taskStart(run2, "hello", "fp-new", 100));
    killed.close(); // the process dies here: run2 and its task stay 'running'

    const next = openStateDatabase(dir);
    assert.equal(next.lastRun()?.result, "running", "opening alone must not touch a run that may be live");
    assert.deepEqual(next.recoverInterrupted(at(200)), { runs: 1, tasks: 1 });
    const run = next.lastRun();
    assert.equal(run?.result, "interrupted");
    assert.equal(run?.endedAt, null);
    const [task] = next.taskResults(run2);
    assert.equal(task?.result, "interrupted");
    assert.match(task?.reason ?? "", /\(killed or crashed\); noticed 2026-11-26T03:18:20\.000Z$/);
    assert.equal(next.lastSuccessfulFingerprint("hello"), "fp-old");
    assert.deepEqual(next.recoverInterrupted(at(300)), { runs: 0, tasks: 0 });
    next.close();
  });

  it("lastSuccessfulFingerprint ignores failed, skipped and not-run results and is null without success", () => {
    const state = openStateDatabase(tempStateDir());
    const runId = state.startRun(runStart());
    state.recordTask(taskStart(runId, "a", "fp-failed"), { result: "failed", exitCode: 1, durationMs: 5 });
    state.recordTask(taskStart(runId, "b", "fp-skipped"), { result: "skipped", exitCode: null, durationMs: 0, reason: "unchanged" });
    state.recordTask(taskStart(runId, "c", "fp-not-run"), { result: "not-run", exitCode: null, durationMs: 0 });
    for (const id of ["a", "b", "c", "never"]) assert.equal(state.lastSuccessfulFingerprint(id), null, id);
    const run2 = state.startRun(runStart(10));
    state.recordTask(taskStart(run2, "a", "fp-2", 10), { result: "succeeded", exitCode: 0, durationMs: 5 });
    const run3 = state.startRun(runStart(20));
    state.recordTask(taskStart(run3, "a", "fp-3", 20), { result: "failed", exitCode: 1, durationMs: 5 });
    assert.equal(state.lastSuccessfulFingerprint("a"), "fp-2");
    state.close();
  });
});
