// A failed task's Failure on a real SQLite file: written by finishTask, recordTask and the state
// observer, read back by every query on task results, and never a throw for a row someone damaged.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import type { Config } from "../../../src/config/config.js";
import { createStateObserver } from "../../../src/engine/state-observer.js";
import type { Exec } from "../../../src/exec/exec.js";
import type { Failure } from "../../../src/failure/failure.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { openStateDatabase, stateDatabaseFile } from "../../../src/state/database.js";
import { at, runStart, taskStart, tempStateDir } from "./state-fixtures.js";

const broken: Failure = {
  class: "build", summary: "app-misc/broken-1.0 failed in src_compile",
  fix: ["read the build log: binpkgbot log broken", "if the package is broken upstream, mask it: modifiers: {mask: [=app-misc/broken-1.0]}"],
  details: ["make: *** [Makefile:12: all] Error 1"], packages: ["app-misc/broken-1.0"],
  buildLog: "/var/lib/binpkgbot/logs/1/broken/build.log", phase: "src_compile",
};
const fetchFailure: Failure = { class: "fetch", summary: "could not fetch tmux-3.4.tar.gz", fix: ["check the mirror"], details: [], packages: [] };

function rawColumns(dir: string): { task_id: string; failure_class: string | null; failure: string | null }[] {
  const raw = new Database(stateDatabaseFile(dir), { readonly: true });
  try {
    return raw.prepare<[], { task_id: string; failure_class: string | null; failure: string | null }>("SELECT task_id, failure_class, failure FROM task_results ORDER BY id").all();
  } finally {
    raw.close();
  }
}

describe("failures in the state database", () => {
  it("finishTask and recordTask keep the failure class as a column and the whole Failure, read back by every query", () => {
    const dir = tempStateDir();
    const state = openStateDatabase(dir);
    const runId = state.startRun(runStart());
    const id = state.startTask(taskStart(runId, "broken", "fp-1"));
    state.finishTask(id, { result: "failed", exitCode: 1, durationMs: 900, reason: "exit code 1", failure: broken });
    state.recordTask(taskStart(runId, "tmux", null, 2), { result: "failed", exitCode: 1, durationMs: 0, failure: fetchFailure });
    state.recordTask(taskStart(runId, "hello", null, 3), { result: "succeeded", exitCode: 0, durationMs: 10 });
    state.finishRun(runId, { endedAt: at(4), result: "failed" });
    state.close();

    assert.deepEqual(rawColumns(dir).map((row) => [row.task_id, row.failure_class]), [["broken", "build"], ["tmux", "fetch"], ["hello", null]]);
    const reopened = openStateDatabase(dir);
    const failures = (records: readonly { taskId: string; failure: Failure | null }[]) => Object.fromEntries(records.map((record) => [record.taskId, record.failure]));
    const expected = { broken, tmux: fetchFailure, hello: null };
    assert.deepEqual(failures(reopened.taskResults(runId)), expected, "taskResults");
    assert.deepEqual(failures(reopened.taskStatus()), expected, "taskStatus");
    assert.deepEqual(failures(reopened.history({ limit: 10 })), expected, "history");
    assert.deepEqual(reopened.taskLog("broken")?.result.failure, broken, "taskLog");
    assert.deepEqual(reopened.taskLog("tmux", runId)?.result.failure, fetchFailure, "taskLog --run");
    reopened.close();
  });

  it("a task that fails and then succeeds shows no failure any more", () => {
    const dir = tempStateDir();
    const state = openStateDatabase(dir);
    const first = state.startRun(runStart());
    state.recordTask(taskStart(first, "broken", null), { result: "failed", exitCode: 1, durationMs: 5, failure: broken });
    const second = state.startRun(runStart(10));
    const id = state.startTask(taskStart(second, "broken", null, 10));
    state.finishTask(id, { result: "succeeded", exitCode: 0, durationMs: 5 });
    assert.deepEqual(state.taskStatus().map((task) => [task.result, task.failure]), [["succeeded", null]]);
    assert.deepEqual(state.history({ taskId: "broken", limit: 5 }).map((entry) => entry.failure?.class ?? null), [null, "build"]);
    state.close();
  });

  it("a stored failure that is not a Failure (bad JSON, wrong shape, unknown class) reads as null, never a throw", () => {
    const dir = tempStateDir();
    const state = openStateDatabase(dir);
    const runId = state.startRun(runStart());
    const stored = [
      "{not json", "null", "[]", "\"build\"", JSON.stringify({ ...broken, class: "no-such-class" }),
      JSON.stringify({ ...broken, fix: "one string" }), JSON.stringify({ ...broken, details: [1, 2] }),
      JSON.stringify({ ...broken, packages: undefined }), JSON.stringify({ ...broken, summary: 7 }), JSON.stringify({ ...broken, phase: 3 }), JSON.stringify({ ...broken, buildLog: ["x"] }),
    ];
    stored.forEach((_, index) => state.recordTask(taskStart(runId, `t${index}`, null, index), { result: "failed", exitCode: 1, durationMs: 1, failure: broken }));
    state.recordTask(taskStart(runId, "extra", null, 20), { result: "failed", exitCode: 1, durationMs: 1, failure: broken });
    state.close();
    const raw = new Database(stateDatabaseFile(dir));
    stored.forEach((text, index) => raw.prepare("UPDATE task_results SET failure = ? WHERE task_id = ?").run(text, `t${index}`));
    raw.prepare("UPDATE task_results SET failure = ? WHERE task_id = 'extra'").run(JSON.stringify({ ...broken, buildLog: undefined, phase: undefined, added: "later" }));
    raw.close();

    const reopened = openStateDatabase(dir);
    const byTask = new Map(reopened.taskResults(runId).map((record) => [record.taskId, record.failure]));
    stored.forEach((text, index) => assert.equal(byTask.get(`t${index}`), null, text));
    assert.deepEqual(byTask.get("extra"), { class: "build", summary: broken.summary, fix: broken.fix, details: broken.details, packages: broken.packages },
      "unknown keys are dropped, optional ones may be absent");
    assert.equal(reopened.taskStatus().length, stored.length + 1);
    reopened.close();
  });

  it("the state observer records the failure of a failed step, started or not", async () => {
    const dir = tempStateDir();
    const config = observedConfig(dir);
    const state = openStateDatabase(config.stateDir);
    const runId = state.startRun(runStart());
    const noExec: Exec = { run: async () => assert.fail("a failed step needs no command") };
    const observer = createStateObserver({ db: state, runId, config, exec: noExec, now: () => at(1), binpkgbotVersion: "0.1.0", force: true });
    const [started, neverStarted] = planRun({ config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r1" }).steps;
    assert.ok(started && neverStarted);
    observer.stepStarted(started, "fp");
    await observer.stepFinished({ step: started, result: "failed", exitCode: 1, durationMs: 5, added: [], reason: "exit code 1", failure: broken });
    await observer.stepFinished({ step: neverStarted, result: "failed", exitCode: null, durationMs: 0, added: [], failure: fetchFailure });
    assert.deepEqual(state.taskResults(runId).map((record) => [record.taskId, record.failure]), [["broken", broken], ["tmux", fetchFailure]]);
    state.close();
  });
});

function observedConfig(dir: string): Config {
  const origin = { file: path.join(dir, "binpkgbot.yml"), path: [], line: 1, includedFrom: [] };
  const task = (id: string, atom: string) => ({ kind: "install" as const, id, atom, persist: false, modifiers: { use: [], acceptKeywords: [], unmask: [], mask: [] }, origin });
  return {
    file: origin.file, files: [origin.file], stage: path.join(dir, "stage"), stageGenerations: 3, keepFailed: 3,
    etcPortage: path.join(dir, "etc-portage"), portageRepo: path.join(dir, "gentoo"), portageRepoLocation: "/var/db/repos/gentoo",
    pkgdir: path.join(dir, "packages"), pkgdirLocation: "/var/cache/binpkgs", distdir: null, distdirLocation: "/var/cache/distfiles",
    stateDir: path.join(dir, "state"), useSudo: false, emergeOptions: [], configProtectMask: "/etc", sync: { kind: "none" }, stageBinrepos: false, signing: null, binds: [],
    tasks: [task("broken", "app-misc/broken"), task("tmux", "app-misc/tmux")],
  };
}
