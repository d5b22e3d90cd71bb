// What decides how many tasks run at once and in which order: `jobs` in the config, `--jobs`, `auto`,
// the recorded durations, and the per-step paths that let steps run side by side.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { readJobs } from "../../../src/cli/commands/run.js";
import { CliError } from "../../../src/cli/exit-codes.js";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { resolveJobs } from "../../../src/engine/perform-run.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { openStateDatabase } from "../../../src/state/database.js";
import { fixture } from "../../support/fixtures.js";
import { memoryFiles } from "../../support/memory-files.js";
import { runStart, taskStart, tempStateDir } from "../state/state-fixtures.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function loadJobs(text: string): { jobs?: number | "auto"; problems: string[] } {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": HEAD + text }));
  return result.ok ? { jobs: result.config.jobs, problems: [] } : { problems: result.issues.map(formatIssue) };
}

test("jobs: 1 by default, a whole number of at least 1, or auto", () => {
  assert.equal(loadJobs("").jobs, 1);
  assert.equal(loadJobs("jobs: 4\n").jobs, 4);
  assert.equal(loadJobs("jobs: auto\n").jobs, "auto");
  assert.match(loadJobs("jobs: 0\n").problems.join("\n"), /binpkgbot\.yml:5:7.*jobs.*at least 1, got 0/);
  assert.match(loadJobs("jobs: many\n").problems.join("\n"), /jobs.*expected 'auto' or a number, got 'many'/);
  assert.match(loadJobs("jobs: 1.5\n").problems.join("\n"), /jobs/);
});

test("--jobs N or auto; anything else is a usage error that says what it takes", () => {
  assert.equal(readJobs("3"), 3);
  assert.equal(readJobs("auto"), "auto");
  for (const bad of ["0", "-1", "two", "1.5", ""]) assert.throws(() => readJobs(bad), (error: unknown) => error instanceof CliError && /--jobs .*whole number of at least 1, or auto/.test(error.message), bad);
});

test("jobs: auto is the number of CPUs, never less than 1; a number stays", () => {
  assert.equal(resolveJobs("auto", () => 6), 6);
  assert.equal(resolveJobs("auto", () => 0), 1);
  assert.equal(resolveJobs(3, () => 6), 3);
});

test("the state database gives each task's last successful duration, not a later failure's", () => {
  const db = openStateDatabase(tempStateDir());
  const first = db.startRun(runStart());
  db.finishTask(db.startTask(taskStart(first, "gcc", "f1")), { result: "succeeded", exitCode: 0, durationMs: 9000 });
  db.finishTask(db.startTask(taskStart(first, "htop", "f2")), { result: "succeeded", exitCode: 0, durationMs: 300 });
  const second = db.startRun(runStart(60));
  db.finishTask(db.startTask(taskStart(second, "gcc", "f3", 60)), { result: "failed", exitCode: 1, durationMs: 5 });
  db.finishTask(db.startTask(taskStart(second, "htop", "f4", 60)), { result: "succeeded", exitCode: 0, durationMs: 450 });
  db.startTask(taskStart(second, "vim", "f5", 60));
  assert.deepEqual([...db.lastDurations()].sort(), [["gcc", 9000], ["htop", 450]]);
  db.close();
});

test("no two steps of a plan share a work directory, log, Portage log directory or machine name", () => {
  const result = loadConfig(path.join(fixture("plan-forms"), "binpkgbot.yml"), diskConfigFiles);
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  const plan = planRun({ config: result.config, host: { systemdPid1: true, stageFilesystem: "btrfs" }, runId: "20261126T000000Z" });
  assert.ok(plan.steps.length >= 4);
  const distinct = (values: string[]): void => assert.equal(new Set(values).size, values.length, values.join(", "));
  distinct(plan.steps.map((step) => step.workDir));
  distinct(plan.steps.map((step) => step.logFile));
  const containers = plan.steps.flatMap((step) => (step.kind === "container" ? [step] : []));
  distinct(containers.map((step) => step.portageLogDir));
  distinct(containers.map((step) => step.spec.machine));
  for (const step of plan.steps) {
    for (const other of plan.steps) if (other !== step) assert.ok(!other.workDir.startsWith(`${step.workDir}/`), `${other.workDir} lies inside ${step.workDir}`);
  }
});
