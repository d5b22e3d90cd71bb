// Runs remember their tasks in the state database and skip what has not changed — real containers, a
// real SQLite file; the emerge test double's records count the containers that ran emerge.
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { waitFor } from "./harness/nspawn-process.js";
import { configText, createWorld, readRecords, runCli, startCli, type World } from "./support/world.js";
import { access } from "node:fs/promises";

const suite = await integrationSuite();
const { skip } = suite;
const fixture = { get dir(): string { return suite.fixture().dir; } };

const TASKS = (modifier: string) => [
  "sync: false",
  "tasks:",
  "  - install: app-misc/a",
  `  - install: {atom: app-misc/b, use: ${modifier}}`,
  "  - install: app-misc/c",
  "",
].join("\n");

/** Runs binpkgbot and returns which tasks ran emerge this time (from the double's new records). */
async function runAndSeeWhatRan(world: World, args: string[] = []): Promise<{ ran: string[]; stdout: string }> {
  const before = (await readRecords(world)).length;
  const result = await runCli(["run", "-c", world.config, ...args]);
  assert.equal(result.code, 0, result.stderr);
  const records = (await readRecords(world)).slice(before);
  return { ran: records.map((record) => record.argv.at(-1) ?? "").sort(), stdout: result.stdout };
}

test("each input change un-skips exactly the tasks it should", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, TASKS("x265")));
  assert.deepEqual((await runAndSeeWhatRan(world)).ran, ["app-misc/a", "app-misc/b", "app-misc/c"]);

  const unchanged = await runAndSeeWhatRan(world);
  assert.deepEqual(unchanged.ran, [], "nothing changed: no container ran emerge");
  assert.match(unchanged.stdout, /^install-app-misc-a\s+skipped\s+-\s+unchanged since its last success \(fingerprint [0-9a-f]{12}\)/m);

  await mkdir(path.join(world.repo, "metadata"), { recursive: true });
  await writeFile(path.join(world.repo, "metadata", "timestamp.chk"), "Thu, 26 Nov 2026 04:00:00 +0000\n");
  assert.deepEqual((await runAndSeeWhatRan(world)).ran, ["app-misc/a", "app-misc/b", "app-misc/c"], "a new repository revision");
  assert.deepEqual((await runAndSeeWhatRan(world)).ran, []);

  await writeFile(path.join(world.etcPortage, "package.use"), "app-misc/admin admin-flag other\n");
  assert.deepEqual((await runAndSeeWhatRan(world)).ran, ["app-misc/a", "app-misc/b", "app-misc/c"], "one file in etc_portage");

  await writeFile(world.config, configText(world, TASKS("-x265")));
  assert.deepEqual((await runAndSeeWhatRan(world)).ran, ["app-misc/b"], "a modifier of one task");

  // A persisting task first: it makes a new stage generation, under which every later task runs again.
  await writeFile(world.config, configText(world, TASKS("-x265").replace("tasks:\n", "tasks:\n  - install: {atom: app-misc/base, persist: true}\n")));
  assert.deepEqual((await runAndSeeWhatRan(world)).ran, ["app-misc/a", "app-misc/b", "app-misc/base", "app-misc/c"], "the stage generation");
  assert.deepEqual((await runAndSeeWhatRan(world)).ran, [], "the persisting task is recorded against the generation it made");

  assert.deepEqual((await runAndSeeWhatRan(world, ["--force", "install-app-misc-c"])).ran, ["app-misc/c"]);
  assert.deepEqual((await runAndSeeWhatRan(world, ["--force"])).ran.length, 4);
  const status = await runCli(["status", "-c", world.config, "--json"]);
  assert.equal(status.code, 0, status.stderr);
});

test("--force with an unknown task name is a usage error naming the tasks", { skip }, async () => {
  const world = await createWorld(fixture.dir);
  await writeFile(world.config, configText(world, TASKS("x265")));
  const result = await runCli(["run", "-c", world.config, "--force", "nope"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--force: no task nope in .*; the tasks are: install-app-misc-a, install-app-misc-b-\w+, install-app-misc-c/);
});

test("log_retention removes old run logs and all work files after a run, but never a task's newest log; each log starts with its header", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, `log_retention: 1\n${TASKS("x265")}`));
  const logRuns = (): Promise<string[]> => readdir(path.join(world.stateDir, "logs")).then((names) => names.sort());
  await runAndSeeWhatRan(world);
  const [first] = await logRuns();
  assert.ok(first);
  const header = (await readFile(path.join(world.stateDir, "logs", first, "install-app-misc-a.log"), "utf8")).split("\n").slice(0, 5);
  assert.match(header[0] ?? "", new RegExp(`^# binpkgbot task install-app-misc-a, run ${first}$`));
  // On btrfs a throw-away step runs in a snapshot binpkgbot makes (src/stage/kept-failed.ts): the log shows that one.
  assert.match(header[1] ?? "", /^# command: .*systemd-nspawn .*--directory=\S+\.failed\/\.running-install-app-misc-a-\S+ .* emerge .*app-misc\/a$/);
  assert.match(header[2] ?? "", /^# started: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.match(header[3] ?? "", /^# stage generation: plain$/);
  assert.match(header[4] ?? "", /^# fingerprint: [0-9a-f]{64}$/);

  await runAndSeeWhatRan(world, ["--force"]);
  const [second, ...more] = await logRuns();
  assert.ok(second && second !== first && more.length === 0, `the first run held no task's newest log any more, and only one run is kept: ${[second, ...more].join(", ")}`);
  await runAndSeeWhatRan(world, ["--force", "install-app-misc-c"]);
  const third = (await logRuns()).find((name) => name !== second);
  assert.ok(third);
  assert.deepEqual(await logRuns(), [second, third].sort(), "the second run still holds the newest logs of a and b");
  assert.deepEqual(await readdir(path.join(world.stateDir, "work")), [], "no work files outlive their run");
  const log = await runCli(["log", "install-app-misc-a", "-c", world.config]);
  assert.equal(log.code, 0, log.stderr);
  assert.match(log.stdout, new RegExp(`# binpkgbot task install-app-misc-a, run ${second}`));
});

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  test(`a run stopped by ${signal} records the task as interrupted, and it runs again next time`, { skip }, async (t) => {
    const world = await createWorld(fixture.dir);
    t.after(await leakGuard(fixture.dir));
    await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - run: {persist: false, name: sleeper, script: 'touch /var/log/emerge-double/started; exec sleep 60'}\n"));
    const run = startCli(["run", "-c", world.config]);
    await waitFor("the task to start", () => exists(path.join(world.record, "started")));
    run.child.kill(signal);
    await run.done;
    if (signal === "SIGKILL") {
      await waitFor("the orphaned container to stop (parent-death signal)", async () => !(await startedContainer(world)));
    }
    await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - run: {persist: false, name: sleeper, script: 'echo ran-again'}\n"));
    const next = await runCli(["run", "-c", world.config]);
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stdout, /\[sleeper\] ran-again/);
    if (signal === "SIGKILL") {
      assert.match(next.stderr, /recorded 1 task\(s\) of a run that was killed as interrupted/);
      const work = await readdir(path.join(world.stateDir, "work"));
      assert.ok(!work.some((runId) => runId.endsWith(`-${run.child.pid}`)), `the killed run's work files are removed: ${work.join(", ")}`);
    }
    const history = await runCli(["history", "--task", "sleeper", "--json", "-c", world.config]);
    const results = (JSON.parse(history.stdout) as { result: string }[]).map((entry) => entry.result);
    assert.deepEqual(results, ["succeeded", "interrupted"]);
  });
}

/** The run's systemd-nspawn still runs (binpkgbot's machine names are binpkgbot-<stage hash>-<step>). */
async function startedContainer(world: World): Promise<boolean> {
  const { hashText } = await import("../../src/config/tasks.js");
  const { findNspawnPid } = await import("./harness/nspawn-process.js");
  return (await findNspawnPid(`binpkgbot-${hashText(world.stage, 6)}-0`)) !== null;
}
