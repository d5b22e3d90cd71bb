// The stage transaction on its own: real files in a temporary directory, btrfs played by directories
// (directory-btrfs.ts), a fixed clock. Guards src/stage/transaction.ts without root.
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readFile, readlink, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { stageLayout, type StageLayout } from "../../../src/stage/layout.js";
import {
  CRASH_POINTS, StageError, abortTransaction, adoptStage, beginTransaction, commitTransaction, failTransaction,
  pruneGenerations, recoverStage, type CrashPoint, type TransactionDeps,
} from "../../../src/stage/transaction.js";
import { directoryBtrfs, type DirectoryBtrfs } from "./directory-btrfs.js";

const NOW = new Date("2026-11-30T12:00:00.000Z");

interface Frame {
  layout: StageLayout;
  exec: DirectoryBtrfs;
  deps: TransactionDeps;
}

async function frame(t: TestContext, crashAt?: CrashPoint): Promise<Frame> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-transaction-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = stageLayout(join(dir, "stage"));
  const exec = directoryBtrfs();
  const crashPoint = (name: CrashPoint): void => {
    if (name === crashAt) throw new Error(`crash at ${name}`);
  };
  return { layout, exec, deps: { exec, now: () => NOW, crashPoint } };
}

async function plainStage(layout: StageLayout, version: string): Promise<void> {
  await mkdir(join(layout.stage, "etc"), { recursive: true });
  await writeFile(join(layout.stage, "etc", "version"), version);
}

const stageVersion = (layout: StageLayout): Promise<string> => readFile(join(layout.stage, "etc", "version"), "utf8");

/** One persisting task that writes `version` into the stage and succeeds. */
async function persist(f: Frame, version: string, keep = 3): Promise<{ generation: string; pruned: string[] }> {
  const next = await beginTransaction(f.layout, f.deps);
  await writeFile(join(next, "etc", "version"), version);
  return commitTransaction(f.layout, { task: `upgrade-${version}` }, keep, f.deps);
}

test("beginTransaction on a missing stage says how to create it", async (t) => {
  const f = await frame(t);
  await assert.rejects(beginTransaction(f.layout, f.deps), (error: unknown) =>
    error instanceof StageError && /does not exist: create it with binpkgbot stage init --from/.test(error.message));
  assert.deepEqual(f.exec.log, []);
});

test("the first commit adopts a plain stage as gen-1 and links the stage to gen-2", async (t) => {
  const f = await frame(t);
  await plainStage(f.layout, "v1");
  const next = await beginTransaction(f.layout, f.deps);
  assert.equal(next, f.layout.next);
  assert.deepEqual(f.exec.log, [`snapshot ${f.layout.stage} ${f.layout.next}`]);
  assert.equal(await stageVersion(f.layout), "v1", "the task's snapshot is separate from the stage");
  await writeFile(join(next, "etc", "version"), "v2");
  assert.equal(await stageVersion(f.layout), "v1", "writes to the snapshot do not reach the stage before the commit");

  const result = await commitTransaction(f.layout, { task: "upgrade-world", run: "r1" }, 3, f.deps);
  assert.deepEqual(result, { generation: "gen-2", pruned: [] });
  assert.equal(await readlink(f.layout.stage), "stage.generations/gen-2", "a relative link, so stage and generations move together");
  assert.equal(await stageVersion(f.layout), "v2");
  assert.equal(await readFile(join(f.layout.generationsDir, "gen-1", "etc", "version"), "utf8"), "v1");
  assert.deepEqual(JSON.parse(await readFile(join(f.layout.generationsDir, "gen-2.json"), "utf8")),
    { task: "upgrade-world", run: "r1", created: NOW.toISOString() });
  assert.deepEqual(JSON.parse(await readFile(join(f.layout.generationsDir, "gen-1.json"), "utf8")),
    { created: NOW.toISOString(), task: "adopted" });
  assert.equal(await lstat(f.layout.journal).catch(() => null), null, "the journal is removed after the swap");
  assert.equal(await lstat(f.layout.next).catch(() => null), null);
});

test("commits number generations upwards and prune beyond keep, never the current one", async (t) => {
  const f = await frame(t);
  await plainStage(f.layout, "v1");
  await persist(f, "v2", 2);
  const third = await persist(f, "v3", 2);
  assert.deepEqual(third, { generation: "gen-3", pruned: ["gen-1"] });
  assert.deepEqual((await readdir(f.layout.generationsDir)).sort(), ["gen-2", "gen-2.json", "gen-3", "gen-3.json"]);
  assert.equal(await stageVersion(f.layout), "v3");
  // keep 0 still never deletes the generation the stage points at.
  assert.deepEqual(await pruneGenerations(f.layout, 0, f.deps), ["gen-2"]);
  assert.equal(await stageVersion(f.layout), "v3");
  assert.ok(f.exec.log.includes(`delete ${join(f.layout.generationsDir, "gen-1")}`));
});

test("a failed task leaves the stage untouched and keeps its snapshot as failed with its meta", async (t) => {
  const f = await frame(t);
  await plainStage(f.layout, "v1");
  const next = await beginTransaction(f.layout, f.deps);
  await writeFile(join(next, "etc", "version"), "broken");
  assert.equal(await failTransaction(f.layout, { task: "upgrade-world" }, f.deps), f.layout.failed);
  assert.equal(await stageVersion(f.layout), "v1");
  assert.equal((await lstat(f.layout.stage)).isDirectory(), true, "the plain stage was not adopted");
  assert.equal(await readFile(join(f.layout.failed, "etc", "version"), "utf8"), "broken");
  assert.deepEqual(JSON.parse(await readFile(`${f.layout.failed}.json`, "utf8")), { task: "upgrade-world", created: NOW.toISOString() });

  // The next task starts from the stage, and the kept failed snapshot goes.
  await beginTransaction(f.layout, f.deps);
  assert.equal(await lstat(f.layout.failed).catch(() => null), null);
  assert.equal(await lstat(`${f.layout.failed}.json`).catch(() => null), null);
  assert.equal(await readFile(join(f.layout.next, "etc", "version"), "utf8"), "v1");
});

test("an interrupted task's snapshot is deleted and the stage unchanged", async (t) => {
  const f = await frame(t);
  await plainStage(f.layout, "v1");
  await beginTransaction(f.layout, f.deps);
  await abortTransaction(f.layout, f.deps);
  assert.equal(await lstat(f.layout.next).catch(() => null), null);
  assert.equal(await stageVersion(f.layout), "v1");
  await abortTransaction(f.layout, f.deps);
  assert.deepEqual(f.exec.log.filter((line) => line.startsWith("delete")), [`delete ${f.layout.next}`], "nothing to abort deletes nothing");
});

test("recoverStage with nothing to recover does nothing", async (t) => {
  const f = await frame(t);
  await plainStage(f.layout, "v1");
  assert.deepEqual(await recoverStage(f.layout, f.deps), []);
  assert.deepEqual(f.exec.log, []);
});

test("recoverStage removes the failed snapshot and a stale next, and says so", async (t) => {
  const f = await frame(t);
  await plainStage(f.layout, "v1");
  await beginTransaction(f.layout, f.deps);
  await failTransaction(f.layout, { task: "upgrade-world" }, f.deps);
  await beginTransaction(f.layout, f.deps);
  // A second process crash: `next` exists again and so would a failed snapshot of an earlier run.
  await mkdir(f.layout.failed);
  const messages = await recoverStage(f.layout, f.deps);
  assert.equal(messages.length, 2);
  assert.match(messages[0] ?? "", /removed .*next, the snapshot of a persisting task that was interrupted/);
  assert.match(messages[1] ?? "", /removed .*failed, the snapshot of the last run's failed persisting task/);
  assert.equal(await lstat(f.layout.next).catch(() => null), null);
  assert.equal(await lstat(f.layout.failed).catch(() => null), null);
  assert.equal(await stageVersion(f.layout), "v1");
});

// A crash at each step of the swap: the next start leaves the stage wholly old or wholly new, never
// missing, and says which; the old generation is never lost.
for (const adopting of [true, false]) {
  for (const point of CRASH_POINTS.filter((name) => name !== "snapshot-taken")) {
    if (point === "stage-adopted" && !adopting) continue;
    test(`a crash at ${point} ${adopting ? "while adopting a plain stage" : "on a generation stage"} is finished or undone by recoverStage`, async (t) => {
      const f = await frame(t, point);
      await plainStage(f.layout, "v1");
      if (!adopting) await persist({ ...f, deps: { ...f.deps, crashPoint: undefined } }, "v2");
      const old = adopting ? "v1" : "v2";
      await assert.rejects(persist(f, "v3"), new RegExp(`crash at ${point}`));
      const messages = await recoverStage(f.layout, { ...f.deps, crashPoint: undefined });
      const version = await stageVersion(f.layout);
      const swapped = point !== "journal-written";
      assert.equal(version, swapped ? "v3" : old, `after a crash at ${point}`);
      if (point === "journal-removed") assert.deepEqual(messages, [], "a swap that completed needs nothing");
      else if (swapped) assert.match(messages.join("\n"), /finished an interrupted stage swap: the stage is now gen-\d \(made by upgrade-v3\)/);
      else assert.match(messages.join("\n"), /undid an interrupted stage swap: the stage stays at (plain|gen-2)/);
      assert.equal(await lstat(f.layout.journal).catch(() => null), null, "no journal is left");
      assert.equal(await lstat(f.layout.next).catch(() => null), null, "no snapshot is left");
      const generations = (await readdir(f.layout.generationsDir)).filter((name) => /^gen-\d+$/.test(name)).sort();
      const oldGeneration = adopting ? "gen-1" : "gen-2";
      if (swapped || !adopting) assert.ok(generations.includes(oldGeneration), `the previous stage is kept as ${oldGeneration} (${generations.join(", ")})`);
    });
  }
}

test("adoptStage makes a plain stage its first generation unchanged, and leaves a stage with generations alone", async (t) => {
  const f = await frame(t);
  await plainStage(f.layout, "v1");
  assert.equal(await adoptStage(f.layout, f.deps), "gen-1");
  assert.equal(await readlink(f.layout.stage), "stage.generations/gen-1");
  assert.equal(await stageVersion(f.layout), "v1");
  assert.deepEqual(JSON.parse(await readFile(join(f.layout.generationsDir, "gen-1.json"), "utf8")), { task: "adopted", created: NOW.toISOString() });
  assert.equal(await lstat(f.layout.journal).catch(() => null), null);
  assert.deepEqual(f.exec.log, [], "no snapshot: the stage itself is the generation");
  assert.equal(await adoptStage(f.layout, f.deps), null);
  assert.deepEqual((await readdir(f.layout.generationsDir)).sort(), ["gen-1", "gen-1.json"]);
});

for (const point of ["journal-written", "stage-adopted", "stage-linked"] as const) {
  test(`adoptStage interrupted at ${point}: recoverStage leaves the stage plain or adopted, never missing`, async (t) => {
    const f = await frame(t, point);
    await plainStage(f.layout, "v1");
    await assert.rejects(adoptStage(f.layout, f.deps), new RegExp(`crash at ${point}`));
    await recoverStage(f.layout, { ...f.deps, crashPoint: undefined });
    assert.equal(await stageVersion(f.layout), "v1");
    assert.equal(await lstat(f.layout.journal).catch(() => null), null);
    const linked = await readlink(f.layout.stage).catch(() => null);
    assert.equal(linked, point === "journal-written" ? null : "stage.generations/gen-1");
  });
}
