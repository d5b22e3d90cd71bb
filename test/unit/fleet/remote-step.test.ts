// A job planned with the coordinator's paths, made to run on a worker's copy of the target under its
// store: the stage, its generations and kept failures, PKGDIR, work and log directories move; what the
// worker host must have at the planned path (etc_portage, repository, DISTDIR, binds) stays and is listed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { planRemoteJob } from "../../../src/fleet/queue/remote-step.js";
import { planStepJob, type StepJob } from "../../../src/fleet/queue/step-job.js";
import { targetStore } from "../../../src/fleet/transfer/store-layout.js";
import { planRun, renderContainerArgv } from "../../../src/plan/plan-run.js";
import type { ContainerStep, HostStep, Plan, PlannedStep } from "../../../src/plan/plan.js";
import { memoryFiles } from "../../support/memory-files.js";

const CONFIG = [
  "stage: /coord/stage", "etc_portage: /etc/binpkgbot/portage", "portage_repo: /var/db/repos/gentoo", "pkgdir: /coord/packages",
  "distdir: /var/cache/distfiles", "state_dir: /coord/state", "build_jobs: 4", "keep_failed: 2",
  "binds:", "  - {from: /srv/ccache, to: /var/cache/ccache, writable: true}",
  "tasks:",
  "  - upgrade: '@world'",
  "  - install: app-misc/hello",
  "  - run: {host: true, script: 'echo $BINPKGBOT_STAGE'}",
  "",
].join("\n");

function plan(): Plan {
  const loaded = loadConfig("/coord/binpkgbot.yml", memoryFiles({ "/coord/binpkgbot.yml": CONFIG }));
  if (!loaded.ok) assert.fail(loaded.issues.map(formatIssue).join("\n"));
  return planRun({ config: loaded.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "20261202T000000000Z-1" });
}

function jobOf(plan: Plan, predicate: (step: PlannedStep) => boolean): StepJob {
  const step = plan.steps.find(predicate);
  assert.ok(step, "the plan has the step");
  return planStepJob(plan, "amd64", step, { stageGeneration: "gen-3", fingerprint: null });
}

const STORE = "/var/lib/binpkgbot/store";
const local = targetStore(STORE, "amd64");

/** Every absolute path anywhere in the value. */
function pathsIn(value: unknown): string[] {
  if (typeof value === "string") return value.split(/[=:]/).filter((part) => part.startsWith("/"));
  if (Array.isArray(value)) return value.flatMap(pathsIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(pathsIn);
  return [];
}

test("the store keeps a target as a stage is kept: a stage symlink beside its generations, PKGDIR, work and logs", () => {
  assert.deepEqual(local, {
    root: `${STORE}/amd64`, stage: `${STORE}/amd64/stage`, generationsDir: `${STORE}/amd64/stage.generations`,
    pkgdir: `${STORE}/amd64/packages`, work: `${STORE}/amd64/work`, logs: `${STORE}/amd64/logs`,
  });
});

test("a persisting step's transaction, container directory, PKGDIR bind, work files and logs are the store's", () => {
  const planned = jobOf(plan(), (step) => step.persist);
  const { job } = planRemoteJob(planned, STORE);
  const step = job.step as ContainerStep;
  assert.equal(job.plan.stage, local.stage);
  assert.equal(job.plan.pkgdir, local.pkgdir);
  assert.equal(job.plan.logDir, `${local.logs}/20261202T000000000Z-1`);
  assert.equal(job.plan.lockFile, `${STORE}/amd64/.stage.binpkgbot.lock`);
  assert.deepEqual(job.plan.steps, [step]);
  assert.deepEqual(step.transaction, { stage: local.stage, generationsDir: local.generationsDir, next: `${local.generationsDir}/next`, keep: 3 });
  assert.equal(step.spec.directory, `${local.generationsDir}/next`);
  assert.equal(step.workDir, `${local.work}/20261202T000000000Z-1/${planned.step.task.id}`);
  assert.equal(step.logFile, `${local.logs}/20261202T000000000Z-1/${planned.step.task.id}.log`);
  assert.equal(step.etcPortage.to, `${step.workDir}/etc-portage`);
  assert.equal(step.jobserver?.fifo, `${step.workDir}/jobserver`);
  assert.deepEqual(step.argv, renderContainerArgv(step.spec), "the argv is the localized spec's");
  assert.ok(step.argv.includes(`--bind=${local.pkgdir}:/var/cache/binpkgs`));
  assert.ok(step.argv.includes(`--bind=${step.portageLogDir}:/var/log/portage`));
  assert.equal(job.generation, "gen-3", "the generation and the rest of the job are as planned");
  assert.equal(job.runId, planned.runId);
});

test("a throw-away step keeps its failed container in the store's stage.failed, snapshotted from the store's stage", () => {
  const { job } = planRemoteJob(jobOf(plan(), (step) => step.task.kind === "install"), STORE);
  const step = job.step as ContainerStep;
  assert.deepEqual(step.keepFailed, { stage: local.stage, dir: `${local.stage}.failed`, keep: 2 });
  assert.equal(step.transaction, null);
  assert.equal(step.spec.directory, local.stage);
  assert.equal(step.spec.ephemeral, true);
});

test("no path of the coordinator's stage, PKGDIR or state directory is left in a localized step", () => {
  for (const planned of plan().steps) {
    const { job } = planRemoteJob(planStepJob(plan(), "amd64", planned, { stageGeneration: "gen-3", fingerprint: null }), STORE);
    const left = pathsIn(job).filter((file) => /^\/coord\/(stage|packages|state)/.test(file));
    assert.deepEqual(left, [], planned.task.id);
  }
});

test("a host step's script, log and BINPKGBOT_ variables point at the store; the config file and etc_portage stay", () => {
  const { job, shared } = planRemoteJob(jobOf(plan(), (step) => step.kind === "host"), STORE);
  const step = job.step as HostStep;
  assert.deepEqual(step.argv, [`${step.workDir}/script`]);
  assert.equal(step.files[0]?.path, `${step.workDir}/script`);
  assert.equal(step.env.BINPKGBOT_STAGE, local.stage);
  assert.equal(step.env.BINPKGBOT_PKGDIR, local.pkgdir);
  assert.equal(step.env.BINPKGBOT_CONFIG, "/coord/binpkgbot.yml");
  assert.equal(step.env.BINPKGBOT_ETC_PORTAGE, "/etc/binpkgbot/portage");
  assert.deepEqual(shared, []);
});

test("the paths a worker host must have as planned: etc_portage, the repository, DISTDIR and the config's binds", () => {
  const { shared } = planRemoteJob(jobOf(plan(), (step) => step.task.kind === "install"), STORE);
  assert.deepEqual(shared, [
    { use: "etc_portage", path: "/etc/binpkgbot/portage" },
    { use: "bind /var/db/repos/gentoo", path: "/var/db/repos/gentoo" },
    { use: "bind /var/cache/distfiles", path: "/var/cache/distfiles" },
    { use: "bind /var/cache/ccache", path: "/srv/ccache" },
  ]);
});

test("the store path of another target is its own", () => {
  const planned = jobOf(plan(), (step) => step.persist);
  const { job } = planRemoteJob({ ...planned, target: "arm64-server" }, STORE);
  assert.equal(job.plan.stage, `${STORE}/arm64-server/stage`);
  assert.equal(job.plan.pkgdir, `${STORE}/arm64-server/packages`);
});
