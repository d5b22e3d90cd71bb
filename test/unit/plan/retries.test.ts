// Where each step's number of retries comes from: the task's own `retries`, else the config's, else 2.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";
const TASKS = "tasks:\n  - install: app-misc/tmux\n  - install: {atom: app-misc/screen, retries: 0}\n  - run: {script: 'true', retries: 5}\n";

function retriesOfSteps(text: string): [string, number][] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  const plan = planRun({ config: result.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r1" });
  return plan.steps.map((step) => [step.task.id, step.task.retries]);
}

test("a task's own retries wins; the others and the sync get the config's, 2 by default", () => {
  const ids = (retries: number): [string, number][] => [["sync", retries], ["install-app-misc-tmux", retries], ["install-app-misc-screen", 0], ["run-", 5]];
  const withoutRunId = (steps: [string, number][]): [string, number][] => steps.map(([id, n]) => [id.startsWith("run-") ? "run-" : id, n]);
  assert.deepEqual(withoutRunId(retriesOfSteps(`${HEAD}${TASKS}`)), ids(2));
  assert.deepEqual(withoutRunId(retriesOfSteps(`${HEAD}retries: 7\n${TASKS}`)), ids(7));
});
