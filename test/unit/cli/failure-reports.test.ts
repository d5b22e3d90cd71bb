// status, history and log show a failed task's class, and log its summary, fix and details, read from
// a real state database; --json of each carries the whole Failure under "failure" (null when none).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { CommandContext } from "../../../src/cli/command-context.js";
import { historyCommand } from "../../../src/cli/commands/history.js";
import { logCommand } from "../../../src/cli/commands/log.js";
import { statusCommand } from "../../../src/cli/commands/status.js";
import type { Failure } from "../../../src/failure/failure.js";
import { openStateDatabase } from "../../../src/state/database.js";

const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-failure-reports-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const stateDir = path.join(dir, "state");
const configFile = path.join(dir, "binpkgbot.yml");
writeFileSync(configFile, [
  `stage: ${dir}/stage`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${dir}/gentoo`, `pkgdir: ${dir}/packages`,
  `state_dir: ${stateDir}`, "sync: false", "tasks:", "  - install: {atom: app-misc/hello, name: hello}", "  - install: {atom: app-misc/broken, name: broken}", "",
].join("\n"));

const broken: Failure = {
  class: "build", summary: "app-misc/broken-1.0 failed in src_compile",
  fix: ["read the build log: binpkgbot log broken", "mask it until it is fixed: modifiers: {mask: [=app-misc/broken-1.0]}"],
  details: ["make: *** [Makefile:12: all] Error 1", "ERROR: app-misc/broken-1.0::gentoo failed (compile phase)"],
  packages: ["app-misc/broken-1.0"], buildLog: path.join(stateDir, "logs", "run-1", "broken", "build.log"), phase: "src_compile",
};
const t = (seconds: number): Date => new Date(Date.UTC(2026, 10, 26, 3, 15, seconds));
const logPath = path.join(stateDir, "logs", "run-1", "broken.log");

// Run 1: hello succeeds, broken fails with a Failure.
const state = openStateDatabase(stateDir);
const runId = state.startRun({ startedAt: t(0), trigger: "manual", configFile, configHash: "h" });
state.recordTask({ runId, task: { id: "hello", kind: "install", title: "install app-misc/hello" }, fingerprint: null, startedAt: t(1), logPath: null },
  { result: "succeeded", exitCode: 0, durationMs: 4200 });
const id = state.startTask({ runId, task: { id: "broken", kind: "install", title: "install app-misc/broken" }, fingerprint: null, startedAt: t(6), logPath });
state.finishTask(id, { result: "failed", exitCode: 1, durationMs: 900, reason: "exit code 1", failure: broken });
state.finishRun(runId, { endedAt: t(8), result: "failed" });
state.close();
mkdirSync(path.dirname(logPath), { recursive: true });
writeFileSync(logPath, ">>> Emerging (1 of 1) app-misc/broken-1.0::gentoo\n * ERROR: app-misc/broken-1.0::gentoo failed (compile phase):\n");

async function binpkgbot(command: (context: CommandContext) => Promise<number>, ...args: string[]): Promise<string> {
  const out: string[] = [];
  const context: CommandContext = {
    configFile, args, stdout: (line) => void out.push(line), stderr: (line) => assert.fail(`unexpected stderr: ${line}`),
    exec: { run: async () => assert.fail("no command runs") }, env: {}, now: () => t(60),
  };
  assert.equal(await command(context), 0);
  return out.join("\n");
}

describe("failures in status, history and log", () => {
  it("status shows the class beside a failing task's result, and --json the whole Failure", async () => {
    const text = await binpkgbot(statusCommand);
    assert.match(text, /^broken +failed \(build\) +2026-11-26 03:15:06Z +0\.9s +never$/m);
    assert.match(text, /^hello +succeeded +2026-11-26 03:15:01Z/m);
    const json = JSON.parse(await binpkgbot(statusCommand, "--json")) as { tasks: { taskId: string; failure: Failure | null }[] };
    assert.deepEqual(json.tasks.map((task) => [task.taskId, task.failure]), [["hello", null], ["broken", broken]]);
  });

  it("history shows the class in the result column, and --json the whole Failure", async () => {
    const text = await binpkgbot(historyCommand);
    assert.match(text, new RegExp(`^${runId} +2026-11-26 03:15:06Z +broken +failed \\(build\\) +0\\.9s +exit code 1$`, "m"));
    assert.match(text, /^\d+ +2026-11-26 03:15:01Z +hello +succeeded +4\.2s$/m);
    const json = JSON.parse(await binpkgbot(historyCommand, "--json")) as { taskId: string; failure: Failure | null }[];
    assert.deepEqual(json.map((entry) => [entry.taskId, entry.failure]), [["broken", broken], ["hello", null]]);
  });

  it("log shows the class in its first line and, after the log, the summary, every fix and detail line and the build log", async () => {
    const lines = (await binpkgbot(logCommand, "broken")).split("\n");
    assert.match(lines[0] ?? "", new RegExp(`^task broken, run ${runId}: failed \\(build\\), started 2026-11-26 03:15:06Z \\(exit code 1\\)$`));
    assert.equal(lines[1], `--- ${logPath}`);
    assert.deepEqual(lines.slice(-6), [
      "--- failure build: app-misc/broken-1.0 failed in src_compile",
      "  fix: read the build log: binpkgbot log broken",
      "  fix: mask it until it is fixed: modifiers: {mask: [=app-misc/broken-1.0]}",
      "  > make: *** [Makefile:12: all] Error 1",
      "  > ERROR: app-misc/broken-1.0::gentoo failed (compile phase)",
      `  build log: ${broken.buildLog}`,
    ]);
    assert.equal(lines.at(-7), " * ERROR: app-misc/broken-1.0::gentoo failed (compile phase):", "the log comes before the failure");
  });

  it("log --json has the whole Failure under result.failure, null for a task that succeeded", async () => {
    const failedLog = JSON.parse(await binpkgbot(logCommand, "broken", "--json")) as { result: { failure: Failure | null } };
    assert.deepEqual(failedLog.result.failure, broken);
    const hello = JSON.parse(await binpkgbot(logCommand, "hello", "--json")) as { result: { failure: Failure | null } };
    assert.equal(hello.result.failure, null);
  });
});
