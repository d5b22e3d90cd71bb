// memory_max from the config down to each container's spec and argv: a task's own wins over the config's.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nsync: false\n";
const TASKS = "tasks:\n  - install: app-misc/tmux\n  - install: {atom: app-misc/huge, memory_max: 8G}\n  - run: {script: 'true', memory_max: 1G, name: small}\n  - run: {script: 'true', host: true, name: on-host}\n";
const G = 1024 ** 3;

function plan(text: string, systemdPid1 = false) {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return planRun({ config: result.config, host: { systemdPid1, stageFilesystem: "btrfs" }, runId: "r1" });
}

function limits(text: string): [string, number | undefined][] {
  return plan(text).steps.map((step) => [step.task.id, step.kind === "container" ? step.spec.memoryMax : undefined]);
}

test("a task's own memory_max wins; other container tasks get the config's; without either there is no limit", () => {
  assert.deepEqual(limits(`${HEAD}memory_max: 2G\n${TASKS}`), [
    ["install-app-misc-tmux", 2 * G], ["install-app-misc-huge", 8 * G], ["small", G], ["on-host", undefined],
  ]);
  assert.deepEqual(limits(`${HEAD}${TASKS}`), [
    ["install-app-misc-tmux", undefined], ["install-app-misc-huge", 8 * G], ["small", G], ["on-host", undefined],
  ]);
});

test("where systemd is PID 1 the planned argv carries the scope property; elsewhere the argv is unchanged (the runner wraps it)", () => {
  const registered = plan(`${HEAD}memory_max: 2G\n${TASKS}`, true).steps[0];
  assert.ok(registered?.kind === "container" && registered.argv.includes(`--property=MemoryMax=${2 * G}`), registered?.argv.join(" "));
  const keepUnit = plan(`${HEAD}memory_max: 2G\n${TASKS}`).steps[0];
  assert.ok(keepUnit?.kind === "container" && !keepUnit.argv.some((arg) => arg.startsWith("--property=")), keepUnit?.argv.join(" "));
});

test("a bad task memory_max, and one on a host task, are issues at the task's key", () => {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({
    "/c/binpkgbot.yml": `${HEAD}tasks:\n  - install: {atom: app-misc/huge, memory_max: 8GB}\n  - run: {script: 'true', host: true, memory_max: 1G}\n`,
  }));
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.deepEqual(result.issues.map(formatIssue), [
    "/c/binpkgbot.yml:7:48: tasks[0].install.memory_max: '8GB' is not a size (write a whole number with K, M, G or T (base 1024), e.g. memory_max: 4G or memory_max: 512M)",
    "/c/binpkgbot.yml:8:51: tasks[1].run.memory_max: a task with host: true runs on the host, in no container, so memory_max cannot apply (remove memory_max from this task, or run it in a container (host: false))",
  ]);
});
