// Which steps keep a failed container, and how a kept one is entered again (src/plan/plan-keep-failed.ts, planShell).
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { renderKeepFailedNotice } from "../../../src/plan/plan-keep-failed.js";
import { buildViewOf, planRun, planShell } from "../../../src/plan/plan-run.js";
import type { ContainerStep, PlanHostFacts } from "../../../src/plan/plan.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";
const TASKS = "tasks:\n  - upgrade: '@world'\n  - install: {atom: a/b, use: [x]}\n  - run: {script: 'false', persist: false}\n";
const btrfs: PlanHostFacts = { systemdPid1: false, stageFilesystem: "btrfs" };
const ext4: PlanHostFacts = { systemdPid1: false, stageFilesystem: "ext4" };

function config(extra = "") {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${HEAD}${extra}${TASKS}` }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result.config;
}

const steps = (extra: string, host: PlanHostFacts) => planRun({ config: config(extra), host, runId: "r" }).steps as ContainerStep[];

test("on btrfs throw-away tasks keep a failed container (3 by default) beside the stage; the sync and persisting tasks do not", () => {
  const [sync, upgrade, install, run] = steps("", btrfs);
  assert.deepEqual([sync, upgrade].map((step) => step?.keepFailed), [null, null]);
  for (const step of [install, run]) assert.deepEqual(step?.keepFailed, { stage: "/s", dir: "/s.failed", keep: 3 });
  assert.deepEqual(steps("keep_failed: 5\n", btrfs)[2]?.keepFailed, { stage: "/s", dir: "/s.failed", keep: 5 });
});

test("keep_failed: 0, or a stage not on btrfs, keeps nothing; only the latter says so", () => {
  assert.ok(steps("keep_failed: 0\n", btrfs).every((step) => step.keepFailed === null));
  assert.ok(steps("", ext4).every((step) => step.keepFailed === null));
  const notice = (extra: string, host: PlanHostFacts) => renderKeepFailedNotice(config(extra), host, steps(extra, host));
  assert.equal(notice("", ext4), "/s is on ext4, not btrfs: a failed throw-away task's container is not kept for inspection (keep_failed); move the stage to a btrfs subvolume to keep them");
  assert.equal(notice("", btrfs), null);
  assert.equal(notice("keep_failed: 0\n", ext4), null);
});

test("the notice is given only when a throw-away container step would want keeping; an unknown filesystem is named so", () => {
  const only = (tasks: string, host: PlanHostFacts): string | null => {
    const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${HEAD}tasks:\n${tasks}` }));
    if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
    return renderKeepFailedNotice(result.config, host, planRun({ config: result.config, host, runId: "r" }).steps);
  };
  // The sync, an upgrade, a persisting run and a host run keep nothing anyway: no notice.
  assert.equal(only("  - upgrade: '@world'\n  - run: {script: 'true', persist: true}\n  - run: {script: 'true', host: true}\n", ext4), null);
  assert.match(only("  - install: a/b\n", ext4) ?? "", /^\/s is on ext4, not btrfs/);
  assert.match(only("  - run: {script: 'true', persist: false}\n", ext4) ?? "", /^\/s is on ext4, not btrfs/);
  assert.match(only("  - install: a/b\n", { systemdPid1: false, stageFilesystem: null }) ?? "", /^\/s is on an unknown filesystem, not btrfs/);
});

test("entering a kept container: the build's binds in its order, with this shell's own /etc/portage copy and log directory, its package.use; --command runs bash -c", () => {
  const cfg = config("binds:\n  - {from: /later-bind, to: /mnt/later}\n");
  const build = steps("binds:\n  - {from: /build-bind, to: /mnt/build}\n", btrfs)[2] as ContainerStep;
  const target = { directory: "/s.failed/install-a-b-r", ephemeral: true, terminal: false, command: ["/bin/bash", "-c", "ls /"], build: buildViewOf(build) };
  const shell = planShell({ config: cfg, host: btrfs, runId: "shell-r" }, target);
  assert.deepEqual(shell.spec.binds.map((bind) => bind.to), build.spec.binds.map((bind) => bind.to));
  assert.ok(shell.spec.binds.some((bind) => bind.from === "/build-bind"), "the build's own binds, not today's config's");
  assert.ok(!shell.spec.binds.some((bind) => bind.from === "/later-bind"));
  assert.equal(shell.spec.binds.find((bind) => bind.to === "/etc/portage")?.from, shell.etcPortage.to);
  assert.equal(shell.spec.binds.find((bind) => bind.to === "/var/log/portage")?.from, shell.portageLogDir);
  assert.deepEqual(shell.etcPortage.portageFiles, build.etcPortage.portageFiles);
  assert.equal(shell.etcPortage.portageFiles[0]?.name, "package.use");
  assert.ok(shell.argv.includes("--directory=/s.failed/install-a-b-r") && shell.argv.includes("--ephemeral") && shell.argv.includes("--pipe"));
  assert.deepEqual(shell.argv.slice(shell.argv.lastIndexOf("--") + 1), ["/bin/bash", "-c", "ls /"]);
});
