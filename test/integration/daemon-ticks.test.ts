// `binpkgbot daemon` as a real process on a real world (btrfs stage, systemd-nspawn containers, the
// emerge double) with a one-second schedule: runs on change only, never two at once, reloads, stops.
import assert from "node:assert/strict";
import { access, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { BtrfsFixture } from "./harness/btrfs-fixture.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { waitFor } from "./harness/nspawn-process.js";
import { configText, createWorld, readRecords, runCli, startCli, type CliResult, type World } from "./support/world.js";

let fixture: BtrfsFixture;
const { skip } = await integrationSuite(async (made) => {
  fixture = made;
});

const HEAD = "schedule: 1s\nstatus_listen: 127.0.0.1:0\nsync: false\n";

interface Daemon {
  lines: string[];
  /** Waits until `count` log lines match. */
  until(pattern: RegExp, count?: number, timeoutMs?: number): Promise<void>;
  count(pattern: RegExp): number;
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
  signal(name: NodeJS.Signals): void;
}

/** Starts the daemon; it is killed when the test ends, whatever happens. */
function startDaemon(t: { after(fn: () => unknown): void }, world: World): Daemon {
  const run = startCli(["daemon", "-c", world.config]);
  const lines: string[] = [];
  let partial = "";
  run.child.stderr?.on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  t.after(async () => {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
    await run.done;
  });
  const count = (pattern: RegExp): number => lines.filter((line) => pattern.test(line)).length;
  return {
    lines, count,
    until: async (pattern, n = 1, timeoutMs = 30_000) => void (await waitFor(`${n} log line(s) matching ${pattern}`, async () => count(pattern) >= n, timeoutMs).catch((error: Error) => {
      throw new Error(`${error.message}; the log:\n${lines.join("\n")}`);
    })),
    signal: (name) => void run.child.kill(name),
    async stop(signal = "SIGTERM") {
      run.child.kill(signal);
      return run.done;
    },
  };
}

async function emergedAtoms(world: World): Promise<string[]> {
  return (await readRecords(world)).map((record) => record.argv.at(-1) ?? "");
}

async function touchRepository(world: World, revision: string): Promise<void> {
  await mkdir(path.join(world.repo, "metadata"), { recursive: true });
  await writeFile(path.join(world.repo, "metadata", "timestamp.chk"), `${revision}\n`);
}

const UNCHANGED = /nothing changed since the task run/;
const TASK_RUN_END = /run \d+ \(tasks\): /;

test("a repository change runs the tasks exactly once; ticks without change run none, even after a restart", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await touchRepository(world, "Thu, 26 Nov 2026 00:00:00 +0000");
  await writeFile(world.config, configText(world, `${HEAD}tasks:\n  - install: app-misc/a\n`));
  const daemon = startDaemon(t, world);
  await daemon.until(TASK_RUN_END);
  await daemon.until(UNCHANGED, 2);
  assert.deepEqual(await emergedAtoms(world), ["app-misc/a"]);

  await touchRepository(world, "Thu, 26 Nov 2026 01:00:00 +0000");
  await daemon.until(TASK_RUN_END, 2);
  const unchangedBefore = daemon.count(UNCHANGED);
  await daemon.until(UNCHANGED, unchangedBefore + 2);
  assert.deepEqual(await emergedAtoms(world), ["app-misc/a", "app-misc/a"], "one task run per change");
  assert.equal(daemon.count(TASK_RUN_END), 2);

  const url = /status at (http:\/\/127\.0\.0\.1:\d+)\/status/.exec(daemon.lines.join("\n"))?.[1];
  assert.ok(url, "the start line names the status URL");
  const status = (await (await fetch(`${url}/status`, { signal: AbortSignal.timeout(5_000) })).json()) as { lastRun: { trigger: string }; tasks: { taskId: string; result: string }[] };
  assert.equal(status.lastRun.trigger, "daemon");
  assert.deepEqual(status.tasks.map((task) => [task.taskId, task.result]), [["install-app-misc-a", "succeeded"]]);

  const stopped = await daemon.stop();
  assert.equal(stopped.code, 0, stopped.stderr);
  const restarted = startDaemon(t, world);
  await restarted.until(UNCHANGED, 2);
  assert.equal(restarted.count(TASK_RUN_END), 0, "the change key survives a restart");
  assert.equal((await restarted.stop()).code, 0);
});

test("a tick whose sync changes nothing leaves no log directory and no record; a sync that brings a change is kept", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await touchRepository(world, "Thu, 26 Nov 2026 00:00:00 +0000");
  const sync = `sync: {host: true, script: 'cp -f ${world.record}/next-revision ${world.repo}/metadata/timestamp.chk 2>/dev/null || true'}`;
  await writeFile(world.config, configText(world, `${HEAD.replace("sync: false\n", `${sync}\n`)}tasks:\n  - install: app-misc/a\n`));
  const logRuns = (): Promise<string[]> => readdir(path.join(world.stateDir, "logs")).catch(() => []);
  const syncHistory = async (): Promise<unknown[]> => JSON.parse((await runCli(["history", "--task", "sync", "--json", "-c", world.config])).stdout) as unknown[];
  const daemon = startDaemon(t, world);
  await daemon.until(TASK_RUN_END);
  await daemon.until(UNCHANGED, 3);
  assert.equal((await logRuns()).length, 1, `only the task run has a log directory: ${(await logRuns()).join(", ")}`);
  assert.deepEqual(await syncHistory(), [], "syncs that changed nothing are not recorded");

  await writeFile(path.join(world.record, "next-revision"), "Thu, 26 Nov 2026 01:00:00 +0000\n");
  await daemon.until(TASK_RUN_END, 2);
  await daemon.until(UNCHANGED, daemon.count(UNCHANGED) + 2);
  assert.equal((await daemon.stop()).code, 0);
  assert.equal((await logRuns()).length, 3, "the sync that brought a new revision, and the task run after it");
  assert.equal((await syncHistory()).length, 1);
});

test("a run longer than the interval: later ticks are skipped, runs never overlap", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const script = "echo start >> /var/log/emerge-double/spans; sleep 3; echo end >> /var/log/emerge-double/spans";
  await writeFile(world.config, configText(world, `${HEAD}tasks:\n  - run: {persist: false, name: slow, script: '${script}'}\n`));
  const daemon = startDaemon(t, world);
  await waitFor("the first run to start", () => access(path.join(world.record, "spans")).then(() => true, () => false));
  await touchRepository(world, "changed during the first run");
  await daemon.until(TASK_RUN_END, 2, 40_000);
  assert.ok(daemon.count(/skipped: the previous run is still going/) >= 2, daemon.lines.join("\n"));
  assert.equal((await daemon.stop()).code, 0);
  assert.deepEqual((await readFile(path.join(world.record, "spans"), "utf8")).trim().split("\n"), ["start", "end", "start", "end"]);
});

test("a bad config edit keeps the old config running and is reported; SIGHUP loads a good one", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, `${HEAD}tasks:\n  - install: app-misc/a\n`));
  const daemon = startDaemon(t, world);
  await daemon.until(TASK_RUN_END);

  await writeFile(world.config, configText(world, `${HEAD}tasks:\n  - install: app-misc/a\n  - instal: app-misc/b\n`));
  await daemon.until(/the config has 1 problem\(s\): the previous config stays in use/);
  assert.match(daemon.lines.join("\n"), /^error: .*binpkgbot\.yml:\d+:\d+: tasks\[1\]\.instal: unknown task kind 'instal' \(did you mean 'install'\?\)$/m);
  const unchanged = daemon.count(UNCHANGED);
  await daemon.until(UNCHANGED, unchanged + 2);
  assert.equal(daemon.count(TASK_RUN_END), 1, "an edit that did not load is no change");
  assert.deepEqual(await emergedAtoms(world), ["app-misc/a"], "the old config goes on, unchanged");

  await writeFile(world.config, configText(world, `${HEAD}tasks:\n  - install: app-misc/a\n  - install: app-misc/b\n`));
  daemon.signal("SIGHUP");
  await daemon.until(/SIGHUP: config reloaded \(2 task\(s\)/);
  await daemon.until(TASK_RUN_END, 2);
  await daemon.until(UNCHANGED, daemon.count(UNCHANGED) + 1);
  assert.equal(daemon.count(TASK_RUN_END), 2);
  assert.deepEqual(await emergedAtoms(world), ["app-misc/a", "app-misc/b"], `the new task runs; the unchanged one is skipped by fingerprint\n${daemon.lines.join("\n")}`);
  assert.equal((await daemon.stop()).code, 0);
});

test("SIGTERM during a run stops the container, records the task as interrupted and exits 0", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, `${HEAD}tasks:\n  - run: {persist: false, name: sleeper, script: 'touch /var/log/emerge-double/started; exec sleep 60'}\n`));
  const daemon = startDaemon(t, world);
  await waitFor("the task to start", () => access(path.join(world.record, "started")).then(() => true, () => false));
  const stopped = await daemon.stop("SIGTERM");
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stderr, /stopped; nothing is left running/);
  const history = await runCli(["history", "--task", "sleeper", "--json", "-c", world.config]);
  assert.deepEqual((JSON.parse(history.stdout) as { result: string; trigger: string }[]).map((entry) => [entry.result, entry.trigger]), [["interrupted", "daemon"]]);
});

test("a status_listen that other hosts can reach needs the dashboard's token, and is warned about at start", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, "schedule: 1h\nstatus_listen: 0.0.0.0:0\nsync: false\ntasks: []\n"));
  const refused = await runCli(["daemon", "-c", world.config]);
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /the dashboard would listen on 0\.0\.0\.0, which other hosts can reach, without a token: set dashboard: \{token_file: FILE\} in the config, or listen on 127\.0\.0\.1$/m);
  await writeFile(path.join(world.root, "dashboard-token"), "0123456789abcdef0123456789abcdef\n");
  await writeFile(world.config, configText(world, "schedule: 1h\nstatus_listen: 0.0.0.0:0\ndashboard: {token_file: dashboard-token}\nsync: false\ntasks: []\n"));
  const daemon = startDaemon(t, world);
  await daemon.until(/binpkgbot daemon started/);
  assert.equal(daemon.count(/the status server listens on http:\/\/0\.0\.0\.0:\d+, which other hosts can reach: .*set status_listen: 127\.0\.0\.1:\d+ unless that is meant/), 1, daemon.lines.join("\n"));
  assert.equal((await daemon.stop()).code, 0);
});
