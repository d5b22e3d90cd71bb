// build_jobs in the plan: which containers join the run's job pool, with what bind and Portage lines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { buildViewOf, planRun, planShell } from "../../../src/plan/plan-run.js";
import type { ContainerStep, PlanHostFacts } from "../../../src/plan/plan.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nstate_dir: /state\n";
const TASKS = "tasks:\n  - upgrade: '@world'\n  - install: a/b\n  - run: {script: 'emerge a/c'}\n  - run: {script: 'true', host: true}\n";
const host: PlanHostFacts = { systemdPid1: false, stageFilesystem: "btrfs" };

function load(extra: string) {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${HEAD}${extra}${TASKS}` }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result.config;
}

test("build_jobs: every container that may emerge gets its own FIFO, bound at /run/binpkgbot/jobserver; the sync and host scripts do not", () => {
  const [sync, upgrade, install, script, hostScript] = planRun({ config: load("build_jobs: 3\n"), host, runId: "r" }).steps;
  for (const step of [upgrade, install, script] as ContainerStep[]) {
    assert.deepEqual(step.jobserver, { fifo: `${step.workDir}/jobserver`, tokens: 3 });
    assert.ok(step.argv.includes(`--bind=${step.workDir}/jobserver:/run/binpkgbot/jobserver`), step.argv.join(" "));
  }
  assert.equal((sync as ContainerStep).jobserver, undefined);
  assert.ok(!sync?.argv.some((arg) => arg.includes("jobserver")));
  assert.equal(hostScript?.kind, "host");
  assert.equal(new Set([upgrade, install, script].map((step) => (step as ContainerStep).jobserver?.fifo)).size, 3, "one FIFO per container");
});

test("build_jobs: MAKEFLAGS with the FIFO and FEATURES=jobserver-token go into make.conf, never the container's environment", () => {
  const install = planRun({ config: load("build_jobs: 3\n"), host, runId: "r" }).steps[2] as ContainerStep;
  const makeConf = install.etcPortage.jobserver?.makeConf ?? "";
  assert.match(makeConf, /^MAKEFLAGS="--jobserver-auth=fifo:\/run\/binpkgbot\/jobserver"$/m);
  assert.match(makeConf, /^FEATURES="\$\{FEATURES\} jobserver-token"$/m);
  assert.doesNotMatch(makeConf, /-j\d/, "no -jN: it would make a sub-make leave the jobserver");
  assert.match(install.etcPortage.jobserver?.bashrc ?? "", /addwrite \/run\/binpkgbot\/jobserver/);
  // emerge assumes an implicit token when MAKEFLAGS is in its environment (lib/_emerge/Scheduler.py).
  assert.ok(!Object.keys(install.spec.env).includes("MAKEFLAGS"));
  assert.ok(!install.argv.some((arg) => arg.startsWith("--setenv=MAKEFLAGS")));
});

test("without build_jobs nothing changes: no FIFO, no bind, no make.conf lines", () => {
  for (const step of planRun({ config: load(""), host, runId: "r" }).steps) {
    assert.equal((step as ContainerStep).jobserver, undefined);
    assert.equal((step as ContainerStep).etcPortage?.jobserver, undefined);
    assert.ok(!step.argv.some((arg) => arg.includes("jobserver")));
  }
});

test("a shell in a kept failed build is not on the build's job pool, which ended with its run", () => {
  const build = planRun({ config: load("build_jobs: 3\n"), host, runId: "r" }).steps[2] as ContainerStep;
  const shell = planShell({ config: load(""), host, runId: "shell" }, { directory: "/s.failed/x", ephemeral: true, terminal: false, build: buildViewOf(build) });
  assert.equal(shell.etcPortage.jobserver, undefined);
  assert.equal(shell.jobserver, undefined);
  assert.ok(!shell.argv.some((arg) => arg.includes("jobserver")), shell.argv.join(" "));
});

test("build_jobs must be a whole number of at least 1", () => {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${HEAD}build_jobs: 0\n` }));
  assert.ok(!result.ok);
  assert.match(result.issues.map(formatIssue).join("\n"), /build_jobs: expected a whole number of at least 1, got 0/);
});
