// log_retention: which run directories go (pure, with a fixed clock), the files removed under a state
// directory, the database query that names each task's newest log, and the config key's forms.
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { normalizeLogRetention, type LogRetention } from "../../../src/config/log-retention.js";
import { makeRunId } from "../../../src/engine/perform-run.js";
import { removeExpiredRuns } from "../../../src/engine/remove-expired-runs.js";
import { runIdTime, selectExpiredRuns, type RunDirectory } from "../../../src/engine/run-retention.js";
import { openStateDatabase } from "../../../src/state/database.js";
import { memoryFiles } from "../../support/memory-files.js";
import { at, runStart, taskStart, tempStateDir } from "./state-fixtures.js";

const NOW = new Date("2026-12-01T12:00:00Z");
const days = (count: number): LogRetention => ({ kind: "days", days: count });
const runs = (count: number): LogRetention => ({ kind: "runs", count });
/** Run ids as makeRunId writes them, `daysAgo` days before NOW. */
const runId = (daysAgo: number, pid = 100): string => makeRunId(new Date(NOW.getTime() - daysAgo * 86_400_000), pid);
const finished = (...names: string[]): RunDirectory[] => names.map((name) => ({ name, inProgress: false }));

describe("selectExpiredRuns", () => {
  it("reads the start time from a run id, and knows no other name", () => {
    assert.equal(runIdTime("20261126T031500Z-4242")?.toISOString(), "2026-11-26T03:15:00.000Z");
    assert.equal(runIdTime("shell-20261126T031500Z-4242")?.toISOString(), "2026-11-26T03:15:00.000Z");
    assert.equal(runIdTime(makeRunId(new Date("2026-11-26T03:15:00.125Z"), 4242))?.toISOString(), "2026-11-26T03:15:00.125Z");
    assert.equal(runIdTime("my-notes"), null);
  });

  it("with days, removes the runs older than that, oldest first", () => {
    const all = finished(runId(1), runId(40), runId(31), runId(29));
    assert.deepEqual(selectExpiredRuns({ runs: all, newestOfATask: new Set(), retention: days(30), now: NOW }), [runId(40), runId(31)]);
  });

  it("with runs, keeps the newest N runs", () => {
    const all = finished(runId(3), runId(1), runId(2), runId(5));
    assert.deepEqual(selectExpiredRuns({ runs: all, newestOfATask: new Set(), retention: runs(2), now: NOW }), [runId(5), runId(3)]);
  });

  it("never removes the run that holds a task's newest log, however old", () => {
    const all = finished(runId(100), runId(90), runId(1));
    assert.deepEqual(selectExpiredRuns({ runs: all, newestOfATask: new Set([runId(100)]), retention: runs(1), now: NOW }), [runId(90)]);
  });

  it("never removes a run in progress, nor a directory binpkgbot did not name", () => {
    const all = [{ name: runId(60, 7), inProgress: true }, ...finished(runId(61), "keep-me")];
    assert.deepEqual(selectExpiredRuns({ runs: all, newestOfATask: new Set(), retention: days(1), now: NOW }), [runId(61)]);
  });
});

describe("removeExpiredRuns", () => {
  function stateDirWith(names: Record<string, ("logs" | "work")[]>): string {
    const dir = tempStateDir();
    for (const [name, places] of Object.entries(names)) {
      for (const place of places) {
        mkdirSync(path.join(dir, place, name), { recursive: true });
        writeFileSync(path.join(dir, place, name, "task.log"), "output\n");
      }
    }
    return dir;
  }
  const list = (dir: string, place: string): string[] => readdirSync(path.join(dir, place)).sort();

  it("removes expired logs and the work files of every finished run; keeps newest-of-a-task and runs in progress", async () => {
    const [old, oldNewest, alive, recent, ours] = [runId(50, 11), runId(45, 12), runId(44, 13), runId(2, 14), runId(40, 99)];
    const dir = stateDirWith({ [old]: ["logs", "work"], [oldNewest]: ["logs"], [alive]: ["logs", "work"], [recent]: ["logs", "work"], [ours]: ["logs", "work"] });
    const newestLogs = [path.join(dir, "logs", oldNewest, "a.log"), "/elsewhere/logs/x/b.log"];
    const result = await removeExpiredRuns(dir, days(30), newestLogs, { now: NOW, pid: 99, isProcessAlive: (pid) => pid === 13 || pid === 99 });
    assert.deepEqual(result.problems, []);
    assert.deepEqual(list(dir, "logs"), [alive, oldNewest, recent].sort(), "this process's own earlier run is over, so it expires");
    assert.deepEqual(list(dir, "work"), [alive]);
  });

  it("does nothing in a state directory without logs", async () => {
    assert.deepEqual(await removeExpiredRuns(tempStateDir(), runs(1), [], { now: NOW, pid: 1, isProcessAlive: () => false }), { removed: [], problems: [] });
  });
});

describe("newestTaskLogs", () => {
  it("names each task's newest log that ran; skipped and not-run results have none", () => {
    const state = openStateDatabase(tempStateDir());
    const run1 = state.startRun(runStart());
    state.recordTask(taskStart(run1, "a", "fa", 0), { result: "succeeded", exitCode: 0, durationMs: 1 });
    state.recordTask(taskStart(run1, "b", "fb", 1), { result: "failed", exitCode: 1, durationMs: 1 });
    state.finishRun(run1, { endedAt: at(2), result: "failed" });
    const run2 = state.startRun(runStart(60));
    state.recordTask(taskStart(run2, "a", "fa", 60), { result: "skipped", exitCode: null, durationMs: 0 });
    state.recordTask(taskStart(run2, "b", "fb2", 61), { result: "succeeded", exitCode: 0, durationMs: 1 });
    state.finishRun(run2, { endedAt: at(62), result: "succeeded" });
    assert.deepEqual(state.newestTaskLogs().sort(), [`/var/lib/binpkgbot/logs/${run1}/a.log`, `/var/lib/binpkgbot/logs/${run2}/b.log`]);
    state.close();
  });
});

describe("log_retention in the config", () => {
  const parse = (value: number | string): { rule: LogRetention; issues: string[] } => {
    const issues: string[] = [];
    return { rule: normalizeLogRetention(value, (issue) => issues.push(`${issue.path.join(".")}: ${issue.message} (${issue.hint})`)), issues };
  };
  it("a number is runs, 'Nd' is days", () => {
    assert.deepEqual(parse(20), { rule: runs(20), issues: [] });
    assert.deepEqual(parse("30d"), { rule: days(30), issues: [] });
  });
  it("anything else is an issue at log_retention with the forms", () => {
    assert.deepEqual(parse("2w").issues, ["log_retention: '2w' is neither a number of runs nor a number of days (e.g. log_retention: 20 (runs) or log_retention: 30d (days))"]);
    assert.equal(parse("0d").issues.length, 1);
  });
});

describe("log_retention loaded from binpkgbot.yml", () => {
  const BODY = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";
  const load = (extra: string) => loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${BODY}${extra}` }));
  it("defaults to 30 days, and takes runs or days", () => {
    const result = [load(""), load("log_retention: 5\n"), load("log_retention: 7d\n")].map((r) => (r.ok ? r.config.logRetention : r.issues.map(formatIssue)));
    assert.deepEqual(result, [days(30), runs(5), days(7)]);
  });
  it("refuses 0 runs and a string that is not days, at the key", () => {
    for (const bad of ["log_retention: 0\n", "log_retention: forever\n"]) {
      const result = load(bad);
      assert.equal(result.ok, false, bad);
      assert.match(result.ok ? "" : result.issues.map(formatIssue).join("\n"), /binpkgbot\.yml:5:\d+: log_retention/);
    }
  });
});

describe("deleteRun", () => {
  it("removes the run with its task results, binpkgs and elog messages; other runs stay", () => {
    const state = openStateDatabase(tempStateDir());
    const kept = state.startRun(runStart());
    state.recordTask(taskStart(kept, "a", "fa", 0), { result: "succeeded", exitCode: 0, durationMs: 1 });
    const gone = state.startRun(runStart(60));
    const sync = state.recordTask({ ...taskStart(gone, "sync", null, 60), task: { id: "sync", kind: "sync", title: "sync" } }, { result: "succeeded", exitCode: 0, durationMs: 1 });
    state.recordElog(sync, [{ package: "cat/x-1", class: "info", phase: "setup", text: "hi" }]);
    state.deleteRun(gone);
    assert.equal(state.run(gone), null);
    assert.deepEqual(state.history({ limit: 10 }).map((entry) => [entry.runId, entry.taskId]), [[kept, "a"]]);
    assert.deepEqual(state.elogMessages(sync), []);
    assert.equal(state.lastRun()?.id, kept);
    state.close();
  });
});
