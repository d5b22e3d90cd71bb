// Kept failed containers: which to remove by count, which to enter, and the files on disk (btrfs played
// by directories, directory-btrfs.ts), including what an interrupted run half-made.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import {
  createRunningSnapshot, keepFailedSnapshot, readKeptFailed, removeAllKept, removeHalfMadeKept, removeKeptOfTask,
} from "../../../src/stage/kept-failed.js";
import {
  isRunningName, keptFailedName, runningName, selectBeyondCount, selectNewestOfTask, type KeptFailed, type KeptFailedMeta,
} from "../../../src/stage/kept-failed-select.js";
import { stageLayout, type StageLayout } from "../../../src/stage/layout.js";
import { directoryBtrfs } from "./directory-btrfs.js";

function meta(task: string, run: string, created: string): KeptFailedMeta {
  return {
    task, run, created, binds: [{ from: "/srv/packages", to: "/var/cache/binpkgs", writable: true }],
    etcPortage: { from: "/etc-portage", to: `/state/work/${run}/${task}/etc-portage`, portageFiles: [], trust: null, stageBinrepos: null },
    workDir: `/state/work/${run}/${task}`, portageLogDir: `/state/logs/${run}/${task}.portage`,
  };
}

const entry = (task: string, run: string, created: string): KeptFailed => ({ name: keptFailedName(task, run), path: `/s.failed/${keptFailedName(task, run)}`, meta: meta(task, run, created) });

const a1 = entry("install-a", "r1", "2026-12-01T01:00:00.000Z");
const b2 = entry("install-b", "r2", "2026-12-01T02:00:00.000Z");
const a3 = entry("install-a", "r3", "2026-12-01T03:00:00.000Z");
const b4 = entry("install-b", "r4", "2026-12-01T04:00:00.000Z");

test("beyond the count: the newest N stay, whatever the order given; the others are removed", () => {
  assert.deepEqual(selectBeyondCount([a1, b4, a3, b2], 3), [a1]);
  assert.deepEqual(selectBeyondCount([a3, a1, b2, b4], 2), [b2, a1]);
  assert.deepEqual(selectBeyondCount([a1, b2], 3), []);
  assert.deepEqual(selectBeyondCount([b2, a1], 0), [b2, a1], "keep_failed: 0 keeps none");
});

test("the container to enter is the newest of that task, never another task's", () => {
  assert.equal(selectNewestOfTask([a1, b4, a3, b2], "install-a"), a3);
  assert.equal(selectNewestOfTask([a1, b4, a3, b2], "install-b"), b4);
  assert.equal(selectNewestOfTask([a1, b4], "install-c"), null);
});

test("a running snapshot's name is hidden and tells it from a kept one", () => {
  assert.equal(keptFailedName("install-a", "20261202T010000000Z-7"), "install-a-20261202T010000000Z-7");
  assert.equal(runningName("install-a", "r1"), ".running-install-a-r1");
  assert.ok(isRunningName(runningName("install-a", "r1")));
  assert.ok(!isRunningName(keptFailedName("install-a", "r1")));
});

async function stageFrame(t: TestContext): Promise<{ layout: StageLayout; exec: ReturnType<typeof directoryBtrfs> }> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-kept-failed-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = stageLayout(join(dir, "stage"));
  await mkdir(join(layout.stage, "etc"), { recursive: true });
  await writeFile(join(layout.stage, "etc", "version"), "1\n");
  return { layout, exec: directoryBtrfs() };
}

test("a failed step's snapshot is moved to TASK-RUN, then made read-only, its metadata written; the oldest beyond the count go", async (t) => {
  const { layout, exec } = await stageFrame(t);
  for (const [run, hour] of [["r1", "01"], ["r2", "02"], ["r3", "03"]] as const) {
    const running = await createRunningSnapshot(layout, "install-a", run, exec);
    assert.equal(running, join(layout.keptFailedDir, `.running-install-a-${run}`));
    await writeFile(join(running, "left-by-build"), run);
    const { kept, removed } = await keepFailedSnapshot(layout, running, meta("install-a", run, `2026-12-01T${hour}:00:00.000Z`), 2, exec);
    assert.equal(kept, join(layout.keptFailedDir, `install-a-${run}`));
    assert.deepEqual(removed, run === "r3" ? [join(layout.keptFailedDir, "install-a-r1")] : []);
  }
  // Read-only after the move: btrfs cannot rename a read-only subvolume.
  assert.deepEqual(exec.log.filter((line) => line.startsWith("readonly")), ["r1", "r2", "r3"].map((run) => `readonly ${join(layout.keptFailedDir, `install-a-${run}`)}`));
  assert.deepEqual((await readdir(layout.keptFailedDir)).sort(), ["install-a-r2", "install-a-r2.json", "install-a-r3", "install-a-r3.json"]);
  assert.equal(await readFile(join(layout.keptFailedDir, "install-a-r3", "left-by-build"), "utf8"), "r3");
  assert.deepEqual((await readKeptFailed(layout)).map((kept) => kept.meta.run), ["r3", "r2"]);
});

/** A /proc without processes or locks: nothing uses the snapshots. */
async function emptyProc(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-proc-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "locks"), "");
  return dir;
}

test("after an interrupted run: running snapshots, kept ones without metadata and a killed shell's copy of a kept one are removed; finished ones stay", async (t) => {
  const { layout, exec } = await stageFrame(t);
  const finished = await createRunningSnapshot(layout, "install-a", "r1", exec);
  await keepFailedSnapshot(layout, finished, meta("install-a", "r1", "2026-12-01T01:00:00.000Z"), 3, exec);
  await createRunningSnapshot(layout, "install-b", "r2", exec);
  await mkdir(join(layout.keptFailedDir, "install-c-r2"));
  await writeFile(join(layout.keptFailedDir, "install-d-r2.json"), "{}");
  await mkdir(join(layout.keptFailedDir, ".#machine.install-a-r1fedcba9876543210"));
  const { removed, skipped } = await removeHalfMadeKept(layout, { exec, procDir: await emptyProc(t) });
  assert.deepEqual(skipped, []);
  assert.deepEqual(removed.sort(), [".#machine.install-a-r1fedcba9876543210", ".running-install-b-r2", "install-c-r2"].map((name) => join(layout.keptFailedDir, name)));
  assert.deepEqual((await readdir(layout.keptFailedDir)).sort(), ["install-a-r1", "install-a-r1.json"]);
  assert.deepEqual((await removeHalfMadeKept(layout, { exec, procDir: await emptyProc(t) })).removed, [], "nothing more the second time");
});

test("a success removes only that task's kept containers; clean removes all of them", async (t) => {
  const { layout, exec } = await stageFrame(t);
  for (const [task, run] of [["install-a", "r1"], ["install-b", "r1"], ["install-a", "r2"]] as const) {
    await keepFailedSnapshot(layout, await createRunningSnapshot(layout, task, run, exec), meta(task, run, `2026-12-01T0${run.slice(1)}:00:00.000Z`), 3, exec);
  }
  assert.deepEqual((await removeKeptOfTask(layout, "install-a", exec)).sort(), ["install-a-r1", "install-a-r2"].map((name) => join(layout.keptFailedDir, name)));
  assert.deepEqual((await readKeptFailed(layout)).map((kept) => kept.name), ["install-b-r1"]);
  await createRunningSnapshot(layout, "install-c", "r3", exec);
  assert.deepEqual(await removeAllKept(layout, exec), ["install-b-r1", ".running-install-c-r3"].map((name) => join(layout.keptFailedDir, name)));
  assert.deepEqual(await readdir(layout.keptFailedDir), []);
});

test("a retried step that fails again in the same run: its last attempt replaces the one kept before", async (t) => {
  const { layout, exec } = await stageFrame(t);
  for (const attempt of ["1", "2"]) {
    const running = await createRunningSnapshot(layout, "install-a", "r1", exec);
    await writeFile(join(running, "attempt"), attempt);
    await keepFailedSnapshot(layout, running, meta("install-a", "r1", `2026-12-01T01:00:0${attempt}.000Z`), 3, exec);
  }
  const kept = await readKeptFailed(layout);
  assert.deepEqual(kept.map((entry) => entry.meta.created), ["2026-12-01T01:00:02.000Z"]);
  assert.equal(await readFile(join(layout.keptFailedDir, "install-a-r1", "attempt"), "utf8"), "2");
});
