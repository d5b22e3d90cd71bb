// The compact plan's own rules (src/plan/render-plan-compact.ts): shared lines only where containers
// run, the origin beside a short head or on a line of its own, the host's steps, the stage's binrepos.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { renderCompactPlan } from "../../../src/plan/render-plan-compact.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nsync: false\n";

function compact(text: string): string[] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": HEAD + text }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return renderCompactPlan(planRun({ config: result.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r" })).split("\n");
}

test("compact plan: a plan of host steps alone has no lines for containers, and says where each runs", () => {
  const text = compact("tasks:\n  - run: {script: 'true', host: true}\n");
  assert.ok(!text.some((line) => line.startsWith("every container gets")), text.join("\n"));
  assert.ok(!text.some((line) => line.includes(" → ")), "no binds without containers");
  assert.ok(text.includes("  in:    the host"), text.join("\n"));
  assert.ok(text.includes("    | true"), "the script's text");
});

test("compact plan: the origin, relative to the config, beside a short head; on its own line when the head is long", () => {
  const long = "app-misc/a-very-long-package-name-that-goes-on-and-on-and-on";
  const text = compact(`tasks:\n  - install: app-misc/tmux\n  - install: {atom: ${long}, name: a-task-with-a-long-name-as-well}\n`);
  assert.ok(text.includes("[1/2] install-app-misc-tmux: install app-misc/tmux  (binpkgbot.yml:7)"), text.join("\n"));
  // The head alone, without the origin after it.
  const at = text.indexOf(`[2/2] a-task-with-a-long-name-as-well: install ${long}`);
  assert.ok(at > 0, text.join("\n"));
  assert.equal(text[at + 1], "  from:  binpkgbot.yml:8");
});

test("compact plan: the stage's own binrepos.conf is named on each container step only where the config lets it in", () => {
  const tasks = "tasks:\n  - install: app-misc/tmux\n  - run: {script: 'true', host: true}\n";
  const line = "  binrepos.conf: the stage's own, as etc_portage has none";
  assert.equal(compact(`stage_binrepos: true\n${tasks}`).filter((text) => text === line).length, 1);
  assert.ok(!compact(tasks).includes(line));
});

test("compact plan: a container step that writes the repository shows its own bind next to the shared read-only one", () => {
  const text = compact("tasks:\n  - install: app-misc/tmux\n  - install: app-misc/screen\n  - run: {script: 'echo hi', persist: false}\n");
  const shared = text.slice(text.findIndex((line) => line.startsWith("every container gets")) + 1, text.indexOf(""));
  assert.ok(shared.includes("  ro /r → /var/db/repos/gentoo"), shared.join("\n"));
  const run = text.slice(text.findIndex((line) => line.startsWith("[3/3]")));
  assert.ok(run.includes("  bind:  rw /r → /var/db/repos/gentoo"), run.join("\n"));
  assert.ok(!text.slice(0, text.findIndex((line) => line.startsWith("[3/3]"))).some((line) => line.startsWith("  bind:")), "the builds differ in nothing");
});
