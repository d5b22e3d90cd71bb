// memory_max in real systemd-nspawn containers: a build that holds more memory than the limit is
// killed by the OOM killer, the step is reported as out-of-memory from the cgroup's own count, and no
// cgroup is left; the same build without a limit succeeds. Where systemd is not PID 1, binpkgbot
// makes the group itself (cgroup v2, or v1 as on this kind of CI host).
import assert from "node:assert/strict";
import { access, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { findCgroupV1, findCgroupV2 } from "../../src/container/cgroup-location.js";
import { probeHost } from "../../src/container/host.js";
import { nodeMemoryLimitDeps, readMemoryLimitMethod } from "../../src/container/memory-limit.js";
import { loadConfig } from "../../src/config/load.js";
import { checkAll } from "../../src/doctor/checks.js";
import { readDoctorFacts } from "../../src/doctor/read-facts.js";
import { performRun, type PerformedRun } from "../../src/engine/perform-run.js";
import { nodeExec } from "../../src/exec/exec.js";
import { diskConfigFiles } from "../../src/io/config-files.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { waitFor } from "./harness/nspawn-process.js";
import { configText, createWorld, runCli, startCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const host = await probeHost({ exec: nodeExec, path: process.env.PATH ?? "/usr/sbin:/usr/bin" });
const method = await readMemoryLimitMethod(host.systemdPid1, nodeMemoryLimitDeps());
const skip = suite.skip || (method.kind !== "cgroup" && `binpkgbot makes no memory cgroup on this host (${method.kind === "unavailable" ? method.reason : "systemd is PID 1"})`);

async function run(world: World, memoryMax: string | null): Promise<PerformedRun> {
  await writeFile(world.config, configText(world, `${memoryMax === null ? "" : `memory_max: ${memoryMax}\n`}sync: false\ntasks:\n  - install: app-misc/hungry\n`));
  const loaded = loadConfig(world.config, diskConfigFiles);
  assert.ok(loaded.ok, "the config is valid");
  return performRun(loaded.config, {
    exec: nodeExec, env: process.env, now: () => new Date(), signal: new AbortController().signal, emit: () => undefined,
    trigger: "manual", failFast: false, force: true,
  });
}

/** binpkgbot's groups in the place where it makes them. */
async function binpkgbotCgroups(): Promise<string[]> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  const place = method.kind === "cgroup" && method.place.version === 2 ? findCgroupV2(mountinfo) : findCgroupV1(await readFile("/proc/self/cgroup", "utf8"), mountinfo);
  assert.ok(place, "a memory cgroup place");
  return (await nodeMemoryLimitDeps().fs.readSubdirs(place.parent).catch(() => [] as string[])).filter((name) => name.startsWith("binpkgbot-"));
}

test("a build over memory_max: 64M is OOM-killed, reported as out-of-memory, and leaves no cgroup", { skip, timeout: 300_000 }, async () => {
  const world = await createWorld(suite.fixture().dir);
  const checkLeaks = await leakGuard(suite.fixture().dir);
  const before = await binpkgbotCgroups();
  const { outcome } = await run(world, "64M");
  const [step] = outcome.steps;
  assert.equal(step?.result, "failed", step?.reason);
  assert.equal(step?.failure?.class, "out-of-memory", JSON.stringify(step?.failure));
  assert.match(step?.failure?.summary ?? "", /^out of memory.*: the OOM killer ended (a process|\d+ processes) of the container at its memory_max$/);
  assert.deepEqual(await binpkgbotCgroups(), before);
  await checkLeaks();
});

test("the same build without memory_max succeeds, so the limit is what kills it", { skip, timeout: 300_000 }, async () => {
  const world = await createWorld(suite.fixture().dir);
  const { outcome } = await run(world, null);
  assert.equal(outcome.steps[0]?.result, "succeeded", outcome.steps[0]?.reason);
});

test("with memory_max: 1G the build fits, and its group is gone after the step", { skip, timeout: 300_000 }, async () => {
  const world = await createWorld(suite.fixture().dir);
  const { outcome } = await run(world, "1G");
  assert.equal(outcome.steps[0]?.result, "succeeded", outcome.steps[0]?.reason);
  assert.deepEqual(await binpkgbotCgroups(), []);
});

test("doctor: memory_max works on this host, through the cgroup binpkgbot makes, and the trial group is gone", { skip, timeout: 300_000 }, async () => {
  const world = await createWorld(suite.fixture().dir);
  await writeFile(world.config, configText(world, "memory_max: 64M\nsync: false\n"));
  const loaded = loadConfig(world.config, diskConfigFiles);
  assert.ok(loaded.ok, "the config is valid");
  const findings = checkAll(await readDoctorFacts(loaded.config, { exec: nodeExec, env: process.env })).filter((finding) => finding.subject === "memory_max");
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.level, "ok", findings[0]?.message);
  assert.match(findings[0]?.message ?? "", /^memory_max is 67108864 bytes per container; systemd is not PID 1: binpkgbot makes a cgroup v[12] (memory )?group per container under \S+ /);
  assert.deepEqual(await binpkgbotCgroups(), []);
});

/** A world whose only task, under memory_max, leaves a marker in the record bind and sleeps. */
async function sleepingWorld(): Promise<World> {
  const world = await createWorld(suite.fixture().dir);
  await writeFile(world.config, configText(world, "memory_max: 256M\nsync: false\ntasks:\n  - run: {persist: false, name: sleeper, script: 'touch /var/log/emerge-double/started; exec sleep 60'}\n"));
  return world;
}

const started = (world: World) => (): Promise<boolean> => access(path.join(world.record, "started")).then(() => true, () => false);

test("SIGTERM mid-task: the container's memory cgroup is removed with it", { skip, timeout: 300_000 }, async () => {
  const world = await sleepingWorld();
  const run = startCli(["run", "-c", world.config]);
  await waitFor("the task to start", started(world));
  assert.deepEqual((await binpkgbotCgroups()).filter((name) => name.endsWith(`.pid-${run.child.pid}`)).length, 1, "the task runs in its group");
  run.child.kill("SIGTERM");
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  assert.deepEqual(await binpkgbotCgroups(), []);
});

test("kill -9 of binpkgbot leaves the group; the next run removes it and says so", { skip, timeout: 300_000 }, async () => {
  const world = await sleepingWorld();
  const run = startCli(["run", "-c", world.config]);
  await waitFor("the task to start", started(world));
  run.child.kill("SIGKILL");
  await run.done;
  const left = (await binpkgbotCgroups()).filter((name) => name.endsWith(`.pid-${run.child.pid}`));
  assert.equal(left.length, 1, "a hard kill leaves the group");
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: app-misc/after-crash\n"));
  const next = await runCli(["run", "-c", world.config]);
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stderr, new RegExp(`removed a memory cgroup left by an interrupted run: \\S+/${left[0]?.replace(/[.]/g, "\\.")}$`, "m"));
  assert.deepEqual(await binpkgbotCgroups(), []);
});
