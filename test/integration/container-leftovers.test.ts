// What stays after systemd-nspawn is killed with SIGKILL, and how it is cleaned up.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { nodeExec, type ExecResult } from "../../src/exec/exec.js";
import { renderNspawnArgv } from "../../src/container/nspawn-argv.js";
import { runContainer } from "../../src/container/run-container.js";
import type { ContainerSpec } from "../../src/container/nspawn-argv.js";
import { findLeftoverSnapshots, removeLeftoverSnapshots } from "../../src/container/leftovers.js";
import { findSnapshotProcesses } from "../../src/container/container-processes.js";
import type { BtrfsFixture } from "./harness/btrfs-fixture.js";
import { integrationSuite } from "./harness/suite.js";
import { createTestStage } from "./harness/test-stage.js";
import { leakGuard } from "./harness/leak-guard.js";
import { findNspawnPid, waitFor } from "./harness/nspawn-process.js";

let fixture: BtrfsFixture;
let stage: string;

const { skip } = await integrationSuite(async (made) => {
  fixture = made;
  stage = await createTestStage(fixture.dir, "amd64");
});

function sleeper(machine: string): ContainerSpec {
  return {
    directory: stage, ephemeral: true, machine, binds: [], env: {},
    command: ["/bin/sleep", "60"], register: false, sudo: false,
  };
}

/**
 * Starts a container and SIGKILLs its systemd-nspawn once it runs; returns the snapshot left
 * and the run. The run only settles once the orphaned payload is gone too: it inherited
 * nspawn's stdout and stderr (--pipe) and keeps them open.
 */
async function killNspawnHard(machine: string): Promise<{ snapshot: string; running: Promise<ExecResult> }> {
  // Plain exec, not runContainer: its own clean-up after a signal death would race the one under test.
  const running = nodeExec.run(renderNspawnArgv(sleeper(machine)));
  const pid = await waitFor("systemd-nspawn to start", () => findNspawnPid(machine));
  const [snapshot] = await waitFor("the ephemeral snapshot", async () => {
    const found = await findLeftoverSnapshots(stage);
    // The payload itself, not nspawn's own set-up child: that one has PR_SET_PDEATHSIG and dies with
    // nspawn, so killing nspawn before the payload's exec (a wide window on a loaded host) leaves nothing.
    const inside = await findSnapshotProcesses("/proc", basename(found[0] ?? ""));
    return found.length === 1 && inside.some((process) => process.comm === "sleep") && found;
  });
  process.kill(pid, "SIGKILL");
  await waitFor("systemd-nspawn to die", async () => (await findNspawnPid(machine)) === null);
  assert.ok(snapshot !== undefined);
  return { snapshot, running };
}

test("after kill -9 of nspawn the snapshot, its lock file and the container's PID 1 stay; cleanup removes them", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  const { snapshot, running } = await killNspawnHard(`binpkgbot-hardkill-${process.pid}`);
  const name = basename(snapshot);
  // tempfn_random(): ".#machine." + basename of --directory + 16 hex digits, not the machine name.
  assert.match(name, /^\.#machine\.amd64[0-9a-f]{16}$/);
  assert.ok((await readdir(fixture.dir)).includes(`.#${name}.lck`));
  const orphans = await findSnapshotProcesses("/proc", name);
  assert.ok(orphans.length > 0, "the container's payload outlives a SIGKILLed nspawn");

  const report = await removeLeftoverSnapshots(stage, { exec: nodeExec });
  assert.deepEqual(report.removed, [snapshot]);
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(report.killed.map((killed) => killed.machine), [`binpkgbot-hardkill-${process.pid}`]);
  assert.deepEqual(await findSnapshotProcesses("/proc", name), []);
  assert.equal((await running).signal, "SIGKILL");
  assert.deepEqual((await readdir(fixture.dir)).filter((entry) => entry.includes("machine.")), []);
});

test("an orphaned container that is not binpkgbot's is left alone and reported", { skip, timeout: 60_000 }, async (t) => {
  const { snapshot, running } = await killNspawnHard(`admin-box-${process.pid}`);
  try {
    const report = await removeLeftoverSnapshots(stage, { exec: nodeExec });
    assert.deepEqual(report.removed, []);
    assert.equal(report.skipped.length, 1);
    assert.match(report.skipped[0]?.reason ?? "", /orphaned container "admin-box-\d+" \(PID \d+\) .* not binpkgbot's/);
    assert.ok((await findSnapshotProcesses("/proc", basename(snapshot))).length > 0);
  } finally {
    // Clean up as the admin would, then check nothing else leaked.
    const report = await removeLeftoverSnapshots(stage, { exec: nodeExec, machinePrefix: "admin-" });
    assert.deepEqual(report.removed, [snapshot]);
    await running;
  }
  await (await leakGuard(fixture.dir))();
  t.diagnostic("admin container cleaned up by the test itself");
});

test("a running container's snapshot is never removed", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  const controller = new AbortController();
  const running = runContainer(nodeExec, sleeper(`binpkgbot-live-${process.pid}`), { signal: controller.signal });
  try {
    const [snapshot] = await waitFor("the ephemeral snapshot", async () => {
      const found = await findLeftoverSnapshots(stage);
      return found.length === 1 && found;
    });
    const report = await removeLeftoverSnapshots(stage, { exec: nodeExec });
    assert.deepEqual(report.removed, []);
    assert.deepEqual(report.skipped.map((skipped) => skipped.path), [snapshot]);
    assert.match(report.skipped[0]?.reason ?? "", /in use/);
  } finally {
    controller.abort();
    await running;
  }
});

test("snapshots of other stages beside this one are not touched", { skip, timeout: 60_000 }, async () => {
  const other = await createTestStage(fixture.dir, "amd64-desktop");
  try {
    const running = runContainer(nodeExec, { ...sleeper(`binpkgbot-other-${process.pid}`), directory: other, command: ["/bin/true"] });
    assert.equal((await running).code, 0);
    assert.deepEqual(await findLeftoverSnapshots(stage), []);
    assert.deepEqual((await removeLeftoverSnapshots(stage, { exec: nodeExec })).removed, []);
  } finally {
    await nodeExec.run(["btrfs", "subvolume", "delete", join(fixture.dir, "amd64-desktop")]);
  }
});
