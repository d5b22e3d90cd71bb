// Several hosts on one machine: a real redis-server, binpkgbot worker processes and a coordinator, over
// test worlds on a real btrfs loop image. Order rules, results in the state database, failures and retries,
// a worker killed mid-job, Redis restarted mid-run, credentials, labels, a wrong stage generation.
import assert from "node:assert/strict";
import { access, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { loadConfig } from "../../src/config/load.js";
import { readPlanHostFacts } from "../../src/engine/perform-run.js";
import { nodeExec } from "../../src/exec/exec.js";
import { awaitJobEnd } from "../../src/fleet/queue/queue-carrier.js";
import { planStepJob, queueName, REDIS_PREFIX, stepJobId, stepJobOptions } from "../../src/fleet/queue/step-job.js";
import { writeTargetRecord } from "../../src/fleet/queue/target-registry.js";
import { diskConfigFiles } from "../../src/io/config-files.js";
import { planRun } from "../../src/plan/plan-run.js";
import { parsePackagesIndex } from "../../src/portage/packages-index.js";
import { readStageGenerationId, stageLayout } from "../../src/stage/layout.js";
import { openStateDatabase } from "../../src/state/database.js";
import { findThrowAwaySnapshots } from "./harness/throw-away-snapshots.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { waitFor } from "./harness/nspawn-process.js";
import { startRedis, type TestRedis } from "./harness/redis-server.js";
import { coordinate, listening, runOf, startWorker, worldFleet, type WorkerProcess } from "./support/fleet.js";
import { configText, createWorld, runCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;
const fixture = { get dir(): string { return suite.fixture().dir; } };

const RECORD = "/var/log/emerge-double";
const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);
/** As in run-parallel.test.ts: `mark start NAME` writes the uptime; `await FILE` waits up to 60 s for another task's marker. */
const PRELUDE = `mark() { cut -d" " -f1 /proc/uptime > ${RECORD}/$2.$1; }; await() { for i in $(seq 600); do [ -e ${RECORD}/$1 ] && return 0; sleep 0.1; done; return 1; }`;

function runTask(name: string, persist: boolean, body: string, extra = ""): string {
  return `  - run: {persist: ${persist}, name: ${name}, script: '${PRELUDE}; mark start ${name}; ${body}; mark end ${name}'${extra}}`;
}

async function interval(world: World, name: string): Promise<[number, number]> {
  const read = async (edge: string): Promise<number> => Math.round(Number((await readFile(path.join(world.record, `${name}.${edge}`), "utf8")).trim()) * 100);
  return [await read("start"), await read("end")];
}

interface Cluster {
  redis: TestRedis;
  workers(count: number, args?: string[], env?: NodeJS.ProcessEnv): WorkerProcess[];
  /** One worker on another URL than the server's own. */
  workerAt(url: string, env?: NodeJS.ProcessEnv): WorkerProcess;
}

/** Redis and workers for a test; after it, the workers stop (while Redis is still there), then Redis. */
async function cluster(t: { after: (fn: () => Promise<void>) => void; diagnostic: (message: string) => void }, options?: Parameters<typeof startRedis>[0]): Promise<Cluster> {
  const redis = await startRedis(options);
  const all: WorkerProcess[] = [];
  t.after(async () => {
    await Promise.all(all.map((worker) => worker.stop()));
    await redis.stop();
    // What each worker did, for a failed test.
    for (const [index, worker] of all.entries()) t.diagnostic(`worker ${index}:\n${worker.output()}`);
  });
  return {
    redis,
    workers(count, args = [], env = {}) {
      const started = Array.from({ length: count }, () => startWorker(redis.url, args, env));
      all.push(...started);
      return started;
    },
    workerAt(url, env = {}) {
      const worker = startWorker(url, [], env);
      all.push(worker);
      return worker;
    },
  };
}

function tasksOf(world: World): Map<string, { result: string; attempts: number; reason: string | null; failureClass: string | null }> {
  const db = openStateDatabase(world.stateDir);
  try {
    return new Map(db.taskStatus().map((task) => [task.taskId, { result: task.result, attempts: task.attempts, reason: task.reason, failureClass: task.failure?.class ?? null }]));
  } finally {
    db.close();
  }
}

test("coordinator and two workers: barriers alone, the throw-away steps between them side by side on both workers, results in the state database", { skip, timeout: 150_000 }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  // left waits until right has started and ended: with one worker taking one job at a time it would time out.
  await writeFile(world.config, configText(world, [
    "sync: false", "tasks:",
    runTask("first", true, "sleep 0.3"),
    runTask("left", false, "await right.start && await right.end && emerge app-misc/left-one"),
    runTask("right", false, "await left.start && emerge app-misc/right-one"),
    runTask("last", true, "sleep 0.3"),
    "",
  ].join("\n")));
  const { redis, workers } = await cluster(t);
  const [one, two] = workers(2);
  const coordinated = await coordinate(worldFleet([{ name: "amd64-desktop", world }]), redis.url);
  const run = runOf(coordinated, "amd64-desktop");
  assert.equal(run.result, "succeeded", JSON.stringify(run.outcome.steps.map((step) => [step.step.task.id, step.result, step.reason])));
  const [first, left, right, last] = await Promise.all(["first", "left", "right", "last"].map((name) => interval(world, name)));
  assert.ok(first && left && right && last);
  assert.ok(left[0] <= right[1] && right[0] <= left[1], "left and right ran at the same time");
  for (const other of [left, right]) {
    assert.ok(first[1] < other[0], "the persisting step before them ended before they started");
    assert.ok(other[1] < last[0], "the persisting step after them started after they ended");
  }
  for (const worker of [one, two]) assert.match(worker?.output() ?? "", /amd64-desktop (left|right): started/, "each worker ran one of the two");
  const tasks = tasksOf(world);
  assert.deepEqual([...tasks.keys()].sort(), ["first", "last", "left", "right"]);
  for (const [id, task] of tasks) assert.equal(task.result, "succeeded", id);
  assert.notEqual(await readStageGenerationId(stageLayout(world.stage)), "plain", "the persisting steps made generations of the stage");
});

/** Every binpkg file is in Packages and every entry has its file: nothing half-built, nothing lost. */
async function assertPkgdirWhole(world: World, count: number): Promise<void> {
  const index = parsePackagesIndex(await readFile(path.join(world.pkgdir, "Packages"), "utf8"));
  const files = (await listFiles(world.pkgdir)).filter((file) => file !== "Packages").sort();
  assert.deepEqual(index.packages.map((entry) => entry.path).sort(), files, "PKGDIR holds exactly the binpkgs of its index");
  assert.equal(files.length, count, files.join(", "));
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const entries = await readdir(path.join(dir, prefix), { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? listFiles(dir, relative) : [relative];
  }));
  return nested.flat();
}

const started = (worker: WorkerProcess | undefined, task: string): boolean => (worker?.output() ?? "").includes(` ${task}: started`);

test("a worker killed with SIGKILL mid-job: its job stalls, finishes on the other worker, and PKGDIR gets only whole binpkgs", { skip, timeout: 150_000 }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, ["sync: false", "tasks:", runTask("slow", false, "echo attempt >> /var/log/emerge-double/slow.count; sleep 4; emerge app-misc/slow-one"), ""].join("\n")));
  const { redis, workers } = await cluster(t);
  const [one, two] = workers(2);
  const coordinating = coordinate(worldFleet([{ name: "amd64", world }]), redis.url);
  const victim = await waitFor("a worker to take the job", async () => (started(one, "slow") ? one : started(two, "slow") ? two : null), 30_000);
  const survivor = victim === one ? two : one;
  await waitFor("its container to start", () => exists(path.join(world.record, "slow.start")), 30_000);
  victim?.child.kill("SIGKILL");
  const coordinated = await coordinating;
  const run = runOf(coordinated, "amd64");
  assert.equal(run.result, "succeeded", JSON.stringify(run.outcome.steps.map((step) => step.reason)));
  assert.ok(started(survivor, "slow"), `the other worker ran it:\n${survivor?.output() ?? ""}`);
  assert.equal((await readFile(path.join(world.record, "slow.count"), "utf8")).split("\n").filter(Boolean).length, 2, "two attempts started");
  assert.ok(coordinated.events.some(({ event }) => event.kind === "warning" && /stalled/.test(event.message)), "the coordinator noticed the stalled job");
  assert.equal(tasksOf(world).get("slow")?.result, "succeeded");
  await assertPkgdirWhole(world, 1);
  assert.deepEqual(await findThrowAwaySnapshots(world.stage), [], "the killed attempt's snapshot is gone");
});

test("a deterministic failure is not retried (UnrecoverableError); a download failure is, with backoff, and then succeeds", { skip, timeout: 150_000 }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const count = (name: string): string => `echo attempt >> ${RECORD}/${name}.count`;
  // The line Portage prints when no mirror had a file (src/failure/build-messages.ts), once; then the step succeeds.
  await writeFile(path.join(world.record, "fetch-message"), "!!! Couldn't download 'flaky-1.0.tar.gz'. Aborting.\n");
  const flaky = `${count("flaky")}; if [ ! -e ${RECORD}/flaky.failed ]; then touch ${RECORD}/flaky.failed; cat ${RECORD}/fetch-message; exit 1; fi`;
  await writeFile(world.config, configText(world, [
    "sync: false", "retries: 2", "tasks:",
    runTask("broken", false, `${count("broken")}; exit 3`),
    `  - run: {persist: false, name: flaky, script: '${flaky}'}`,
    "",
  ].join("\n")));
  const { redis, workers } = await cluster(t);
  workers(1);
  const run = runOf(await coordinate(worldFleet([{ name: "amd64", world }]), redis.url), "amd64");
  const lines = async (name: string): Promise<number> => (await readFile(path.join(world.record, `${name}.count`), "utf8")).split("\n").filter(Boolean).length;
  assert.equal(await lines("broken"), 1, "the deterministic failure ran once, though retries: 2");
  assert.equal(await lines("flaky"), 2, "the download failure ran again");
  const tasks = tasksOf(world);
  assert.equal(tasks.get("broken")?.result, "failed");
  assert.notEqual(tasks.get("broken")?.failureClass, "fetch");
  assert.equal(tasks.get("flaky")?.result, "succeeded");
  assert.equal(run.result, "failed");
});

test("Redis killed and restarted mid-run (append-only file): the run completes", { skip, timeout: 150_000 }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, [
    "sync: false", "tasks:",
    runTask("before", false, "sleep 3; emerge app-misc/before-one"),
    runTask("beside", false, "sleep 3; emerge app-misc/beside-one"),
    runTask("barrier", true, "true"),
    runTask("after", false, "emerge app-misc/after-one"),
    "",
  ].join("\n")));
  const { redis, workers } = await cluster(t, { persistent: true });
  // A lock must outlive the time Redis is away, or the job is taken for stalled and runs twice.
  workers(2, ["--lock-ms", "15000"]);
  const coordinating = coordinate(worldFleet([{ name: "amd64", world }]), redis.url);
  await waitFor("a step to run", () => exists(path.join(world.record, "before.start")), 30_000);
  await redis.restart({ downMs: 1500 });
  const run = runOf(await coordinating, "amd64");
  assert.equal(run.result, "succeeded", JSON.stringify(run.outcome.steps.map((step) => [step.step.task.id, step.result, step.reason])));
  for (const [id, task] of tasksOf(world)) assert.equal(task.result, "succeeded", id);
  await assertPkgdirWhole(world, 3);
});

test("credentials: with an ACL user the run completes; a worker with a wrong password takes nothing; the password may come from the environment", { skip, timeout: 150_000 }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, ["sync: false", "tasks:", runTask("one", false, "true"), runTask("two", false, "true"), ""].join("\n")));
  const { redis, workers, workerAt } = await cluster(t, { user: { name: "builder", password: "s3cret" } });
  const wrong = workerAt(`redis://builder:wrong@127.0.0.1:${redis.port}`);
  const [right] = workers(1);
  const fromEnv = workerAt(`redis://builder@127.0.0.1:${redis.port}`, { BINPKGBOT_REDIS_PASSWORD: "s3cret" });
  const run = runOf(await coordinate(worldFleet([{ name: "amd64", world }]), redis.url), "amd64");
  assert.equal(run.result, "succeeded");
  await listening(fromEnv, "amd64");
  assert.ok(right?.output().includes("listening on target amd64"), "the worker with the ACL user's URL listens");
  assert.match(wrong.output(), /WRONGPASS|NOAUTH|invalid username-password/i);
  assert.ok(!wrong.output().includes(": started"), "the worker with the wrong password took no job");
});

test("labels: a worker for another arch takes nothing; status --redis lists the workers with their labels", { skip, timeout: 150_000 }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, ["sync: false", "tasks:", runTask("one", false, "true"), runTask("two", false, "true"), ""].join("\n")));
  const { redis, workers } = await cluster(t);
  const [amd64] = workers(1);
  const [arm64] = workers(1, ["--labels", "arch=arm64", "--concurrency", "2"]);
  const run = runOf(await coordinate(worldFleet([{ name: "amd64", world }]), redis.url), "amd64");
  assert.equal(run.result, "succeeded");
  assert.match(amd64?.output() ?? "", /amd64 one: started/);
  assert.match(amd64?.output() ?? "", /amd64 two: started/);
  assert.ok(!(arm64?.output() ?? "").includes("listening on target"), arm64?.output());
  const status = await runCli(["status", "-c", world.config, "--redis", redis.url]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^workers: 2$/m);
  assert.match(status.stdout, /labels arch=arm64 .* running 0\/2 {2}targets none yet/);
  assert.match(status.stdout, /labels arch=amd64 .* running 0\/1 {2}targets amd64/);
});

test("a job for another stage generation than the stage's is refused at once, without a container or a retry", { skip, timeout: 150_000 }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, ["sync: false", "retries: 2", "tasks:", runTask("stale", false, "true"), ""].join("\n")));
  const { redis, workers } = await cluster(t);
  workers(1);
  const loaded = loadConfig(world.config, diskConfigFiles);
  if (!loaded.ok) assert.fail("config");
  const facts = await readPlanHostFacts(nodeExec, world.stage, process.env);
  const plan = planRun({ config: loaded.config, host: facts.plan, runId: "20261202T000000000Z-1" });
  const step = plan.steps.find((candidate) => candidate.task.id === "stale");
  assert.ok(step);
  const connection = { host: "127.0.0.1", port: redis.port };
  const admin = new Redis(connection);
  const queue = new Queue(queueName("amd64"), { connection, prefix: REDIS_PREFIX });
  const events = new QueueEvents(queueName("amd64"), { connection, prefix: REDIS_PREFIX });
  t.after(async () => {
    await events.close();
    await queue.close();
    admin.disconnect();
  });
  await writeTargetRecord(admin, { name: "amd64", labels: { arch: "amd64" }, configPath: world.config, stage: world.stage, pkgdir: world.pkgdir });
  await queue.add("stale", planStepJob(plan, "amd64", step, { stageGeneration: "g-19990101T000000Z", fingerprint: null }), stepJobOptions(plan, step, 100));
  const job = await awaitJobEnd({ queue, events, pollMs: 200 }, stepJobId(plan.runId, "stale"), new AbortController().signal);
  assert.equal(await job?.getState(), "failed");
  assert.equal(job?.attemptsMade, 1, "not retried, though the step has retries: 2");
  assert.match(job?.failedReason ?? "", /is at generation plain, the job was planned on g-19990101T000000Z/);
  assert.equal(await exists(path.join(world.record, "stale.start")), false, "no container ran");
});
