// The example config is what a newcomer runs first (`binpkgbot plan -c examples/binpkgbot.yml`): its
// compact plan is a golden file, short enough to read, and every container binds only paths that
// binpkgbot makes or the config names as its own directories.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { formatIssue } from "../../src/config/issues.js";
import { diskConfigFiles } from "../../src/io/config-files.js";
import { planRun } from "../../src/plan/plan-run.js";
import { renderCompactPlan } from "../../src/plan/render-plan-compact.js";
import { assertGolden, fixture, repoRoot } from "../support/fixtures.js";

const examples = path.join(repoRoot, "examples");
const result = loadConfig(path.join(examples, "binpkgbot.yml"), diskConfigFiles);
if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
const plan = planRun({ config: result.config, host: { systemdPid1: true, stageFilesystem: "btrfs" }, runId: "20261126T000000Z" });
// The default state_dir is named after a hash of the config's real path, which depends on the checkout.
const text = renderCompactPlan(plan).replaceAll(result.config.stateDir, "<state_dir>").replaceAll(examples, "<examples>");

test("golden: the compact plan of the example config", () => {
  assertGolden(fixture("example-plan", "plan.txt"), text);
});

test("the example's plan is readable: under 100 lines, none wider than 100 columns", () => {
  const lines = text.trimEnd().split("\n");
  assert.ok(lines.length < 100, `${lines.length} lines`);
  for (const line of lines) assert.ok(line.length <= 100, line);
});

test("the example binds nothing but its repository, PKGDIR, DISTDIR and binpkgbot's own directories", () => {
  const own = [result.config.portageRepo, result.config.pkgdir, result.config.distdir, result.config.stateDir];
  for (const step of plan.steps) {
    if (step.kind !== "container") continue;
    for (const bind of step.spec.binds) assert.ok(own.some((dir) => dir !== null && bind.from.startsWith(dir)), `${step.task.id}: ${bind.from}`);
  }
});
