// Golden tests of the plan: for each task kind and each form of each modifier, the argv of its
// container (or host command) and the text of every file it writes.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { planRun } from "../../../src/plan/plan-run.js";
import type { Step } from "../../../src/plan/plan.js";
import { assertGolden, fixture } from "../../support/fixtures.js";

const dir = fixture("plan-forms");
const host = { systemdPid1: false, stageFilesystem: "btrfs" };

function loadPlan(facts = host) {
  const result = loadConfig(path.join(dir, "binpkgbot.yml"), diskConfigFiles);
  if (!result.ok) assert.fail(result.issues.map((issue) => issue.message).join("\n"));
  return planRun({ config: result.config, host: facts, runId: "20261126T000000Z" });
}

function renderStepGolden(step: Step): string {
  const parts = ["# argv", ...step.argv];
  if (step.kind === "container") {
    for (const file of step.etcPortage.portageFiles) parts.push(`# /etc/portage/${file.file}`, file.text.trimEnd());
  }
  for (const file of step.files) parts.push(`# ${file.containerPath ?? file.path} (mode ${file.mode.toString(8)})`, file.text.trimEnd());
  return `${parts.join("\n").replaceAll(dir, "<fixture>")}\n`;
}

const plan = loadPlan();

for (const [index, step] of plan.steps.entries()) {
  test(`golden plan step ${index + 1}: ${step.task.id}`, () => {
    assertGolden(path.join(dir, "expected", `${String(index + 1).padStart(2, "0")}-${step.task.id}.txt`), renderStepGolden(step));
  });
}

test("plan has one step per task, in order, includes sorted by file name (10-a before 2-b)", () => {
  const ids = plan.steps.map((step) => step.task.id);
  assert.equal(ids.length, 21);
  assert.deepEqual(ids.slice(-2), ["install-app-misc-from-10-a", "install-app-misc-from-2-b"]);
});

test("upgrade persists unless told not to; install is throw-away unless told to persist", () => {
  const ephemeral = Object.fromEntries(plan.steps.map((step) => [step.task.id, step.kind === "container" ? step.spec.ephemeral : null]));
  assert.equal(ephemeral["upgrade-world"], false);
  assert.equal(ephemeral["upgrade-sys-devel-gcc"], true);
  assert.equal(ephemeral["install-app-misc-tmux"], true);
  assert.equal(ephemeral["install-app-misc-screen"], false);
});

test("register with machined only where PID 1 is systemd", () => {
  const registered = loadPlan({ systemdPid1: true, stageFilesystem: "btrfs" });
  assert.ok(!registered.steps[0]?.argv.includes("--register=no"));
  assert.ok(plan.steps[0]?.argv.includes("--register=no"));
  assert.ok(plan.steps[0]?.argv.includes("--keep-unit"));
});

test("a stage off btrfs: a warning naming the cost, and persisting steps change the stage in place", () => {
  const slow = loadPlan({ systemdPid1: false, stageFilesystem: "ext4" });
  assert.match(slow.warnings.join("\n"), /on ext4, not btrfs: every throw-away container is a full copy/);
  assert.equal(slow.steps.length, plan.steps.length);
  for (const [index, step] of slow.steps.entries()) {
    const onBtrfs = plan.steps[index];
    if (step.kind !== "container" || onBtrfs?.kind !== "container") continue;
    assert.equal(step.transaction, null);
    assert.equal(step.spec.directory, "/srv/binpkgbot/stage");
    assert.equal(onBtrfs.transaction !== null, onBtrfs.persist, "on btrfs every persisting step is a transaction");
    if (onBtrfs.persist) assert.equal(onBtrfs.spec.directory, "/srv/binpkgbot/stage.generations/next");
  }
});

test("the plan is a pure function: the same input gives the same JSON", () => {
  assert.equal(JSON.stringify(loadPlan()), JSON.stringify(plan));
});

test("variants of one atom get distinct ids", () => {
  const ffmpeg = plan.steps.filter((step) => step.task.id.startsWith("install-media-video-ffmpeg"));
  assert.equal(new Set(ffmpeg.map((step) => step.task.id)).size, 2);
});
