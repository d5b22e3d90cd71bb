// Signals, crashes and the stage lock, with real containers: nothing may be left behind.
import assert from "node:assert/strict";
import { access, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { stageLockFile } from "../../src/plan/plan-run.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { findNspawnPid, waitFor } from "./harness/nspawn-process.js";
import { findThrowAwaySnapshots } from "./harness/throw-away-snapshots.js";
import { configText, createWorld, runCli, startCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;
const fixture = { get dir(): string { return suite.fixture().dir; } };

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

/** A world whose only task starts, leaves a marker in the record bind, and sleeps. */
async function sleepingWorld(extra = ""): Promise<World> {
  const world = await createWorld(fixture.dir);
  await writeFile(world.config, configText(world, [
    `${extra}sync: false`,
    "tasks:",
    "  - run: {persist: false, name: sleeper, script: 'touch /var/log/emerge-double/started; exec sleep 60'}",
    "",
  ].join("\n")));
  return world;
}

const started = (world: World) => () => exists(path.join(world.record, "started"));

/** The nspawn of the world's first step: binpkgbot's machine names are binpkgbot-<stage hash>-<step>. */
async function nspawnOf(world: World): Promise<number> {
  return waitFor("the container's systemd-nspawn", async () => findNspawnPid(`binpkgbot-${await stageHash(world)}-0`));
}

async function stageHash(world: World): Promise<string> {
  const { hashText } = await import("../../src/config/tasks.js");
  return hashText(world.stage, 6);
}

test("SIGTERM mid-task stops the container, removes its snapshot and work files, and exits 130", { skip }, async (t) => {
  const world = await sleepingWorld();
  t.after(await leakGuard(fixture.dir));
  const run = startCli(["run", "-c", world.config]);
  await waitFor("the task to start", started(world));
  assert.equal((await findThrowAwaySnapshots(world.stage)).length, 1, "the throw-away snapshot exists while the task runs");
  run.child.kill("SIGTERM");
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stderr, /SIGTERM received, stopping the running container/);
  assert.match(result.stderr, /interrupted: the running container was stopped and its snapshot removed/);
  assert.match(result.stdout, /^sleeper\s+interrupted/m);
  assert.deepEqual(await findThrowAwaySnapshots(world.stage), []);
  assert.ok(!(await exists(stageLockFile(world.stage))), "the lock is released");
  const runs = await readdir(path.join(world.stateDir, "work"));
  assert.deepEqual(await readdir(path.join(world.stateDir, "work", runs[0] ?? "")), [], "work files removed");
});

test("a second run on the same stage exits at once: locked by PID N since T (exit 5)", { skip }, async (t) => {
  const world = await sleepingWorld();
  t.after(await leakGuard(fixture.dir));
  const first = startCli(["run", "-c", world.config]);
  try {
    await waitFor("the first run's task to start", started(world));
    const second = await runCli(["run", "-c", world.config]);
    assert.equal(second.code, 5, second.stderr);
    assert.match(second.stderr, new RegExp(`^binpkgbot: stage is locked by PID ${first.child.pid} since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z`, "m"));
  } finally {
    first.child.kill("SIGTERM");
    await first.done;
  }
});

test("kill -9 of binpkgbot: its container stops by itself (parent-death signal) and the next run takes over the stale lock", { skip }, async (t) => {
  const world = await sleepingWorld();
  t.after(await leakGuard(fixture.dir));
  const run = startCli(["run", "-c", world.config]);
  await waitFor("the task to start", started(world));
  run.child.kill("SIGKILL");
  await run.done;
  await waitFor("the orphaned container to stop", async () => (await findNspawnPid(`binpkgbot-${await stageHash(world)}-0`)) === null);
  assert.ok(await exists(stageLockFile(world.stage)), "the killed run's lock is still there");
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: app-misc/after-crash\n"));
  const next = await runCli(["run", "-c", world.config]);
  assert.equal(next.code, 0, next.stderr);
  assert.match(next.stderr, new RegExp(`removed a stale lock of PID ${run.child.pid}`));
});

// On btrfs a throw-away step runs in binpkgbot's own snapshot; with keep_failed: 0 in nspawn's --ephemeral copy.
for (const [extra, kind] of [["", "binpkgbot's snapshot"], ["keep_failed: 0\n", "nspawn's ephemeral snapshot"]] as const) {
  test(`kill -9 of binpkgbot and of nspawn: the next run removes the leftover snapshot (${kind}) and its orphaned container`, { skip }, async (t) => {
    const world = await sleepingWorld(extra);
    t.after(await leakGuard(fixture.dir));
    const run = startCli(["run", "-c", world.config]);
    await waitFor("the task to start", started(world));
    const nspawn = await nspawnOf(world);
    process.kill(nspawn, "SIGKILL");
    run.child.kill("SIGKILL");
    await run.done;
    const leftovers = await findThrowAwaySnapshots(world.stage);
    assert.equal(leftovers.length, 1, "a hard kill of nspawn leaves its snapshot");
    await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: app-misc/after-crash\n"));
    const next = await runCli(["run", "-c", world.config]);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, new RegExp(`removed a snapshot left by an interrupted run: ${leftovers[0]?.replace(/[.#]/g, "\\$&")}`));
    assert.deepEqual(await findThrowAwaySnapshots(world.stage), []);
  });
}
