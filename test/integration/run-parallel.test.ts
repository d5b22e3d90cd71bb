// `jobs`: throw-away tasks side by side in real containers, barriers alone, the summary in config order,
// one consistent PKGDIR, --fail-fast, and signals and kill -9 with several containers running.
import assert from "node:assert/strict";
import { access, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { parsePackagesIndex } from "../../src/portage/packages-index.js";
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
const RECORD = "/var/log/emerge-double";

/**
 * Shell for a container: `mark start NAME` writes the host's uptime (containers share the kernel's clock;
 * the stage's date has no %N); `await FILE` waits (at most 60 s) for a marker of another container.
 */
const PRELUDE = `mark() { cut -d" " -f1 /proc/uptime > ${RECORD}/$2.$1; }; await() { for i in $(seq 600); do [ -e ${RECORD}/$1 ] && return 0; sleep 0.1; done; return 1; }`;

function runTask(name: string, persist: boolean, body: string): string {
  return `  - run: {persist: ${persist}, name: ${name}, script: '${PRELUDE}; mark start ${name}; ${body}; mark end ${name}'}`;
}

/** Start and end of a task, in hundredths of a second of uptime. */
async function interval(world: World, name: string): Promise<[number, number]> {
  const read = async (edge: string): Promise<number> => Math.round(Number((await readFile(path.join(world.record, `${name}.${edge}`), "utf8")).trim()) * 100);
  return [await read("start"), await read("end")];
}

/** With a 10 ms clock, two tasks that overlap by less may show equal times: the rendezvous of the scripts proves they did. */
const overlap = (a: [number, number], b: [number, number]): boolean => a[0] <= b[1] && b[0] <= a[1];

async function machine(world: World, index: number): Promise<string> {
  const { hashText } = await import("../../src/config/tasks.js");
  return `binpkgbot-${hashText(world.stage, 6)}-${index}`;
}

test("jobs: 2 runs two throw-away tasks at once, barriers alone; the summary is in config order; PKGDIR stays whole", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  // left waits until right has started and ended: with one task at a time it would time out and fail.
  await writeFile(world.config, configText(world, [
    "jobs: 2", "sync: false", "tasks:",
    runTask("first", true, "sleep 0.3"),
    runTask("left", false, `await right.start && await right.end && emerge app-misc/left-one`),
    runTask("right", false, `await left.start && emerge app-misc/right-one app-misc/right-two`),
    "  - install: app-misc/third",
    runTask("last", true, "sleep 0.3"),
    "",
  ].join("\n")));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const [first, left, right, last] = await Promise.all(["first", "left", "right", "last"].map((name) => interval(world, name)));
  assert.ok(left && right && first && last);
  assert.ok(overlap(left, right), "left and right ran at the same time");
  for (const other of [left, right]) {
    assert.ok(first[1] < other[0], "the persisting task before them ended before they started");
    assert.ok(other[1] < last[0], "the persisting task after them started after they ended");
  }
  assert.ok(right[1] <= left[1], "right ended first");
  const summary = result.stdout.split("\n").map((line) => /^(first|left|right|install-app-misc-third|third|last)\b/.exec(line)?.[1]).filter(Boolean);
  assert.deepEqual(summary.slice(0, 2), ["first", "left"], "the summary is in config order, not in finish order");
  assert.equal(summary.at(-1), "last");

  const index = parsePackagesIndex(await readFile(path.join(world.pkgdir, "Packages"), "utf8"));
  const files = (await listFiles(world.pkgdir)).filter((file) => file.endsWith(".gpkg.tar")).sort();
  assert.deepEqual(index.packages.map((entry) => entry.path).sort(), files, "every binpkg file is in Packages and every entry has its file");
  assert.equal(files.length, 4, files.join(", "));
});

test("jobs: 2 with --fail-fast: a failed task stops the one running beside it and nothing more starts", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, [
    "jobs: 2", "sync: false", "tasks:",
    runTask("sleeper", false, "exec sleep 60"),
    runTask("breaks", false, "await sleeper.start && exit 3"),
    runTask("later", false, "true"),
    "",
  ].join("\n")));
  const result = await runCli(["run", "-c", world.config, "--fail-fast"]);
  assert.equal(result.code, 1, result.stderr + result.stdout);
  assert.match(result.stdout, /^sleeper\s+interrupted.*stopped: --fail-fast: breaks failed/m);
  assert.match(result.stdout, /^breaks\s+failed/m);
  assert.match(result.stdout, /^sleeper \(interrupted\): stopped: --fail-fast: breaks failed/m, "its failure names the failed task, not a signal");
  assert.match(result.stdout, /^later\s+not-run\s.*--fail-fast: breaks failed/m);
  assert.ok(!(await exists(path.join(world.record, "later.start"))), "later never started");
  assert.deepEqual(await findThrowAwaySnapshots(world.stage), []);
});

test("SIGTERM with jobs: 2 stops both running containers, removes their snapshots and work files, exits 130", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, ["jobs: 2", "sync: false", "tasks:", runTask("one", false, "exec sleep 60"), runTask("two", false, "exec sleep 60"), ""].join("\n")));
  const run = startCli(["run", "-c", world.config]);
  await waitFor("both tasks to start", async () => (await exists(path.join(world.record, "one.start"))) && exists(path.join(world.record, "two.start")), 30_000);
  assert.equal((await findThrowAwaySnapshots(world.stage)).length, 2);
  run.child.kill("SIGTERM");
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  assert.match(result.stdout, /^one\s+interrupted/m);
  assert.match(result.stdout, /^two\s+interrupted/m);
  assert.deepEqual(await findThrowAwaySnapshots(world.stage), []);
  const runs = await readdir(path.join(world.stateDir, "work"));
  assert.deepEqual(await readdir(path.join(world.stateDir, "work", runs[0] ?? "")), [], "work files removed");
});

test("kill -9 of binpkgbot with 4 containers running (jobs: 4): the next start removes every snapshot and work file", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const names = ["one", "two", "three", "four"];
  await writeFile(world.config, configText(world, ["jobs: 4", "sync: false", "tasks:", ...names.map((name) => runTask(name, false, "exec sleep 60")), ""].join("\n")));
  const run = startCli(["run", "-c", world.config]);
  await waitFor("four tasks to start", async () => (await Promise.all(names.map((name) => exists(path.join(world.record, `${name}.start`))))).every(Boolean), 30_000);
  const snapshots = await findThrowAwaySnapshots(world.stage);
  assert.equal(snapshots.length, 4, "four containers run at once, each in its own snapshot");
  const [killedRun] = await readdir(path.join(world.stateDir, "work"));
  run.child.kill("SIGKILL");
  await run.done;
  for (const index of [0, 1, 2, 3]) {
    const name = await machine(world, index);
    await waitFor(`container ${name} to stop`, async () => (await findNspawnPid(name)) === null, 30_000);
  }
  assert.deepEqual((await findThrowAwaySnapshots(world.stage)).sort(), snapshots.sort(), "a hard kill leaves the snapshots");
  assert.ok(await exists(path.join(world.stateDir, "work", killedRun ?? "")), "and the work files");
  assert.ok(await exists(stageLockFile(world.stage)), "and the lock");

  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: app-misc/after-crash\n"));
  const next = await runCli(["run", "-c", world.config]);
  assert.equal(next.code, 0, next.stderr);
  for (const snapshot of snapshots) assert.ok(next.stderr.includes(`removed a snapshot left by an interrupted run: ${snapshot}`), `${snapshot}:\n${next.stderr}`);
  assert.match(next.stderr, /recorded 4 task\(s\) of a run that was killed as interrupted/);
  assert.deepEqual(await findThrowAwaySnapshots(world.stage), []);
  assert.ok(!(await exists(path.join(world.stateDir, "work", killedRun ?? ""))), "the killed run's work files are gone");
});

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? listFiles(dir, relative) : Promise.resolve([relative]);
  }));
  return nested.flat();
}
