// status, history and log as a person runs them: the built CLI in a child process, reading a real
// state database, also while another connection holds a write transaction open (WAL).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { openStateDatabase, stateDatabaseFile } from "../../src/state/database.js";
import { repoRoot } from "../support/fixtures.js";

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");
const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-state-cli-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const stateDir = path.join(dir, "state");
const configFile = path.join(dir, "binpkgbot.yml");
writeFileSync(configFile, [
  `stage: ${dir}/stage`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${dir}/gentoo`, `pkgdir: ${dir}/packages`,
  `state_dir: ${stateDir}`, "sync: false", "tasks:", "  - install: {atom: app-misc/hello, name: hello}",
  "  - install: {atom: app-misc/tmux, name: tmux}", "  - install: {atom: app-misc/screen, name: screen}", "",
].join("\n"));

function binpkgbot(...args: string[]): { code: number | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const result = spawnSync(process.execPath, [cli, ...args, "-c", configFile], { encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

const t = (seconds: number): Date => new Date(Date.UTC(2026, 10, 26, 3, 15, seconds));

/** Writes a task's log in the state directory and returns its path. */
function writeTaskLog(run: string, taskId: string, text: string): string {
  const logPath = path.join(stateDir, "logs", run, `${taskId}.log`);
  mkdirSync(path.dirname(logPath), { recursive: true });
  writeFileSync(logPath, text);
  return logPath;
}

/** Run 1: hello succeeds with a binpkg and an elog warning, tmux fails; screen never ran. */
function recordRun(): number {
  const state = openStateDatabase(stateDir);
  const runId = state.startRun({ startedAt: t(0), trigger: "timer", configFile, configHash: "h" });
  const logPath = writeTaskLog("run-1", "hello", ">>> Emerging (1 of 1) app-misc/hello-1.0::gentoo\n>>> Completed (1 of 1) app-misc/hello-1.0::gentoo\n");
  const hello = state.startTask({ runId, task: { id: "hello", kind: "install", title: "install app-misc/hello" }, fingerprint: "f1", startedAt: t(1), logPath });
  state.recordElog(hello, [{ package: "app-misc/hello-1.0", class: "warn", phase: "postinst", text: "Please read the news item." }]);
  state.finishTask(hello, { result: "succeeded", exitCode: 0, durationMs: 4200 });
  state.recordTask(
    { runId, task: { id: "tmux", kind: "install", title: "install app-misc/tmux" }, fingerprint: "f2", startedAt: t(6), logPath: path.join(dir, "gone.log") },
    { result: "failed", exitCode: 1, durationMs: 900, reason: "exit code 1" },
  );
  state.finishRun(runId, { endedAt: t(8), result: "failed" });
  state.close();
  return runId;
}

describe("status, history and log commands", () => {
  it("say that nothing was recorded before the first run, without creating the database", () => {
    const status = binpkgbot("status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^no run recorded yet in .*state: start one with binpkgbot run$/m);
    assert.match(status.stdout, /^screen +never run/m);
    assert.equal(spawnSync("test", ["-e", stateDatabaseFile(stateDir)]).status, 1);
  });

  it("show the runs, results and logs once recorded", () => {
    const runId = recordRun();
    const status = binpkgbot("status");
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, new RegExp(`^last run ${runId} \\(timer\\): failed, started 2026-11-26 03:15:00Z, took 8\\.0s`, "m"));
    assert.match(status.stdout, /^hello +succeeded +2026-11-26 03:15:01Z +4\.2s +2026-11-26 03:15:01Z$/m);
    assert.match(status.stdout, /^tmux +failed +2026-11-26 03:15:06Z +0\.9s +never$/m);

    const history = JSON.parse(binpkgbot("history", "--task", "tmux", "--json").stdout) as { runId: number; result: string; reason: string }[];
    assert.deepEqual(history.map((entry) => [entry.runId, entry.result, entry.reason]), [[runId, "failed", "exit code 1"]]);
    assert.equal(binpkgbot("history", "--limit", "1").stdout.trim().split("\n").length, 2, "a header and one result");
    assert.equal(binpkgbot("history", "--limit", "0").code, 2);

    const log = binpkgbot("log", "hello");
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, />>> Completed \(1 of 1\) app-misc\/hello-1\.0::gentoo\n--- elog WARN app-misc\/hello-1\.0 \(postinst\)\nPlease read the news item\.\n$/);
    const gone = binpkgbot("log", "tmux", "--run", String(runId));
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, /\(cannot read the log .*gone\.log: ENOENT/);
    const notYet = binpkgbot("log", "screen");
    assert.equal(notYet.code, 0, notYet.stderr);
    assert.match(notYet.stdout, /^no log of task 'screen' recorded yet in .*state: binpkgbot run records one$/m);
    const otherRun = binpkgbot("log", "screen", "--run", String(runId));
    assert.equal(otherRun.code, 2);
    assert.match(otherRun.stderr, new RegExp(`run ${runId} has no log of task 'screen': binpkgbot history --task screen lists its runs`));
  });

  it("show the attempts of a task retried within its run", () => {
    const state = openStateDatabase(stateDir);
    const runId = state.startRun({ startedAt: t(20), trigger: "timer", configFile, configHash: "h" });
    const logPath = writeTaskLog("run-2", "screen", ">>> binpkgbot: attempt 2 of 3 after fetch failure: could not fetch screen-4.9.tar.gz; waiting 30s\n");
    const screen = state.startTask({ runId, task: { id: "screen", kind: "install", title: "install app-misc/screen" }, fingerprint: "f3", startedAt: t(21), logPath });
    state.finishTask(screen, { result: "succeeded", exitCode: 0, durationMs: 31_100 });
    state.recordAttempts(screen, [
      { attempt: 1, startedAt: t(21), durationMs: 500, exitCode: 1, failureClass: "fetch", summary: "could not fetch screen-4.9.tar.gz" },
      { attempt: 2, startedAt: t(51), durationMs: 600, exitCode: 0, failureClass: null, summary: null },
    ]);
    state.finishRun(runId, { endedAt: t(52), result: "succeeded" });
    state.close();

    const history = binpkgbot("history", "--task", "screen");
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^\d+ +2026-11-26 03:15:21Z +screen +succeeded \(2 attempts\) +31\.1s/m);
    const json = JSON.parse(binpkgbot("history", "--task", "screen", "--json").stdout) as { attempts: number }[];
    assert.deepEqual(json.map((entry) => entry.attempts), [2]);
    const log = binpkgbot("log", "screen");
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stdout, /^attempt 1 of 2, started 2026-11-26 03:15:21Z: fetch failure: could not fetch screen-4\.9\.tar\.gz, 0\.5s\nattempt 2 of 2, started 2026-11-26 03:15:51Z: succeeded, 0\.6s\n--- /m);
    assert.match(log.stdout, /^>>> binpkgbot: attempt 2 of 3 after fetch failure/m);
  });

  it("read while a run holds a write transaction open", () => {
    const writer = new Database(stateDatabaseFile(stateDir));
    // EXCLUSIVE: in a rollback journal this would lock readers out; in WAL mode they read the last commit.
    writer.exec("BEGIN EXCLUSIVE");
    writer.prepare("INSERT INTO runs (started_at, trigger, config_file, config_hash, result) VALUES (?, 'manual', ?, 'h', 'running')").run(t(30).getTime(), configFile);
    try {
      const status = binpkgbot("status", "--json");
      assert.equal(status.code, 0, status.stderr);
      assert.ok(status.ms < 5000, `status waited ${status.ms} ms for the writer`);
      const { lastRun } = JSON.parse(status.stdout) as { lastRun: { trigger: string } };
      assert.equal(lastRun.trigger, "timer", "the uncommitted run is not visible");
    } finally {
      writer.exec("COMMIT");
      writer.close();
    }
    const after = JSON.parse(binpkgbot("status", "--json").stdout) as { lastRun: { result: string; trigger: string } };
    assert.deepEqual([after.lastRun.trigger, after.lastRun.result], ["manual", "running"]);
  });

  it("refuse a database from a newer binpkgbot with exit code 4", () => {
    const db = new Database(stateDatabaseFile(stateDir));
    db.pragma("user_version = 99");
    db.close();
    const status = binpkgbot("status");
    assert.equal(status.code, 4);
    assert.match(status.stderr, /state\.db has schema version 99, written by a newer binpkgbot; .*upgrade binpkgbot/);
  });
});
