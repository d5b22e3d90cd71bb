// The text `binpkgbot plan` prints: the compact form (shared binds once, per step what, where and the
// modifiers) and the full form of --verbose, as golden files; and which binds are read-only.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { planRun } from "../../../src/plan/plan-run.js";
import type { Plan } from "../../../src/plan/plan.js";
import { renderPlanText } from "../../../src/plan/render-plan.js";
import { renderCompactPlan } from "../../../src/plan/render-plan-compact.js";
import { assertGolden, fixture } from "../../support/fixtures.js";
import { memoryFiles } from "../../support/memory-files.js";

const dir = fixture("plan-forms");
const host = { systemdPid1: false, stageFilesystem: "btrfs" };

function planOf(result: ReturnType<typeof loadConfig>): Plan {
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return planRun({ config: result.config, host, runId: "20261126T000000Z" });
}

const formsPlan = planOf(loadConfig(path.join(dir, "binpkgbot.yml"), diskConfigFiles));
/** A sync binds the repository writable, every build read-only. */
const syncPlan = planOf(loadConfig("/c/binpkgbot.yml", memoryFiles({
  "/c/binpkgbot.yml": "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\ndistdir: /d\ntasks:\n  - install: app-misc/tmux\n  - install: app-misc/screen\n",
})));

const lines = (text: string): string[] => text.split("\n");

test("golden: the compact plan of every task kind and modifier", () => {
  assertGolden(path.join(dir, "expected-text", "plan.txt"), renderCompactPlan(formsPlan).replaceAll(dir, "<fixture>"));
});

test("golden: the --verbose plan of every task kind and modifier", () => {
  assertGolden(path.join(dir, "expected-text", "plan-verbose.txt"), renderPlanText(formsPlan).replaceAll(dir, "<fixture>"));
});

test("compact plan: shared binds once with ro/rw as planned, the sync's writable repository on its step", () => {
  const text = lines(renderCompactPlan(syncPlan));
  const shared = text.slice(text.findIndex((line) => line.startsWith("every container gets")) + 1, text.indexOf(""));
  assert.deepEqual(shared.filter((line) => line.includes("→")), ["  ro /r → /var/db/repos/gentoo", "  rw /p → /var/cache/binpkgs", "  rw /d → /var/cache/distfiles"]);
  const sync = text.slice(text.findIndex((line) => line.startsWith("[1/3] sync:")), text.findIndex((line) => line.startsWith("[2/3]")));
  assert.ok(sync.includes("  bind:  rw /r → /var/db/repos/gentoo"), sync.join("\n"));
  assert.equal(text.filter((line) => line.includes("/r → ")).length, 2, "the repository bind is printed once shared and once for the sync");
  assert.ok(!text.some((line) => line.includes("--bind")), "no argv in the compact form");
});

test("verbose plan: every bind of every step with ro/rw as planned, and the argv", () => {
  const text = lines(renderPlanText(syncPlan));
  const binds = (step: string): string[] => {
    const start = text.findIndex((line) => line.startsWith(step));
    return text.slice(text.indexOf("  binds:", start) + 1, text.indexOf("  environment:", start)).filter((line) => !line.includes("/work/") && !line.includes("/logs/"));
  };
  assert.deepEqual(binds("[1/3] sync:"), ["    rw /r → /var/db/repos/gentoo", "    rw /p → /var/cache/binpkgs", "    rw /d → /var/cache/distfiles"]);
  assert.deepEqual(binds("[2/3]"), ["    ro /r → /var/db/repos/gentoo", "    rw /p → /var/cache/binpkgs", "    rw /d → /var/cache/distfiles"]);
  assert.ok(text.includes("    --bind-ro=/r:/var/db/repos/gentoo"));
});

test("compact plan lines stay within 100 columns where the config's paths allow", () => {
  for (const line of lines(renderCompactPlan(syncPlan))) assert.ok(line.length <= 100, line);
});

test("both forms say which throw-away steps do not depend on each other, before the first of them", () => {
  const noSync = planOf(loadConfig("/c/binpkgbot.yml", memoryFiles({
    "/c/binpkgbot.yml": "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\ndistdir: /d\nsync: false\ntasks:\n  - install: a/b\n  - install: a/c\n  - install: a/d\n  - upgrade: '@world'\n",
  })));
  for (const render of [renderCompactPlan, renderPlanText]) {
    const withSync = lines(render(syncPlan));
    const heads = withSync.filter((line) => line.startsWith("steps "));
    assert.deepEqual(heads, ["steps 2 and 3 do not depend on each other, only on step 1:"], render.name);
    assert.ok(withSync[withSync.indexOf(heads[0] ?? "") + 2]?.startsWith("[2/3] "), render.name);
    assert.deepEqual(lines(render(noSync)).filter((line) => line.startsWith("steps ")), ["steps 1 to 3 do not depend on each other:"], render.name);
  }
});
