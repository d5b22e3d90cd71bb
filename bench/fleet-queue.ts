// Several hosts on BullMQ and Redis, measured on this one machine: (1) 2 workers against 1, each
// running one step at a time, on 8 independent CPU-bound throw-away tasks (bench/parallel-jobs.ts's
// app-misc/cpu-burn copies), as a ratio of medians of the coordinator's wall time; (2) the coordinator's
// overhead per job: a run of 200 steps, each a barrier so that they go one after the other, through a
// real Redis to a worker that does nothing, so that the wall time per step is the queue's round trip
// (add, take, complete, notice) and the run's own bookkeeping. Target: under 50 ms.
import { Redis } from "ioredis";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { Queue, QueueEvents, Worker } from "bullmq";
import { loadConfig } from "../src/config/load.js";
import { runPlan } from "../src/engine/run-plan.js";
import { createQueueCarrier } from "../src/fleet/queue/queue-carrier.js";
import { queueName, REDIS_PREFIX } from "../src/fleet/queue/step-job.js";
import { writeTargetRecord } from "../src/fleet/queue/target-registry.js";
import { diskConfigFiles } from "../src/io/config-files.js";
import { planRun } from "../src/plan/plan-run.js";
import { startRedis } from "../test/integration/harness/redis-server.js";
import { coordinate, listening, runOf, startWorker, worldFleet, type WorkerProcess } from "../test/integration/support/fleet.js";
import { configText } from "../test/integration/support/world.js";
import { inBenchWorld } from "./bench-world.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";
import { addBurnPackages } from "./parallel-jobs.js";

const ROUNDS = 3;
const OVERHEAD_STEPS = 200;

export async function benchFleetWorkers(): Promise<BenchResult[]> {
  return inBenchWorld({ name: "2 workers speed-up over 1", unit: "ratio" }, async (world) => {
    const atoms = await addBurnPackages(world);
    await writeFile(world.config, configText(world, `sync: false\ntasks:\n${atoms.map((atom) => `  - install: ${atom}`).join("\n")}\n`));
    const fleet = worldFleet([{ name: "bench", world }]);
    const redis = await startRedis();
    const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
    try {
      const measure = async (count: 1 | 2): Promise<void> => {
        const workers = await readyWorkers(redis.url, redis.port, count, world);
        try {
          await rm(world.pkgdir, { recursive: true, force: true });
          await mkdir(world.pkgdir);
          // btrfs removes deleted snapshots in the background: let it finish before the clock starts.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          times[count].push(await timeMs(async () => {
            const run = runOf(await coordinate(fleet, redis.url), "bench");
            if (run.result !== "succeeded") throw new Error(`the run ${run.result}`);
          }));
        } finally {
          await Promise.all(workers.map((worker) => worker.stop()));
        }
      };
      for (let r = 0; r < ROUNDS; r++) for (const count of r % 2 === 0 ? [1, 2] as const : [2, 1] as const) await measure(count);
    } finally {
      await redis.stop();
    }
    const one = median(times[1]);
    const two = median(times[2]);
    return [
      { name: "8 CPU-bound tasks, 1 worker", value: round(one / 1000, 2), unit: "s", detail: `median of ${ROUNDS} runs` },
      { name: "8 CPU-bound tasks, 2 workers", value: round(two / 1000, 2), unit: "s", detail: `median of ${ROUNDS} runs` },
      { name: "2 workers speed-up over 1", value: round(one / two), unit: "ratio", detail: `each worker --concurrency 1; ${availableParallelism()} CPUs here` },
    ];
  });
}

/** `count` worker processes already listening on the world's queue, so that start-up is not timed. */
async function readyWorkers(url: string, port: number, count: number, world: { config: string; stage: string; pkgdir: string }): Promise<WorkerProcess[]> {
  const admin = new Redis({ host: "127.0.0.1", port });
  await writeTargetRecord(admin, { name: "bench", labels: { arch: "amd64" }, configPath: world.config, stage: world.stage, pkgdir: world.pkgdir });
  admin.disconnect();
  const workers = Array.from({ length: count }, () => startWorker(url));
  await Promise.all(workers.map((worker) => listening(worker, "bench")));
  return workers;
}

export async function benchCoordinatorOverhead(): Promise<BenchResult[]> {
  const redis = await startRedis();
  const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-bench-queue-"));
  const connection = { host: "127.0.0.1", port: redis.port, maxRetriesPerRequest: null };
  const queue = new Queue(queueName("overhead"), { connection, prefix: REDIS_PREFIX });
  const events = new QueueEvents(queueName("overhead"), { connection, prefix: REDIS_PREFIX });
  const worker = new Worker(queueName("overhead"), async () => ({ result: "succeeded", exitCode: 0, durationMs: 0, added: [] }), { connection, prefix: REDIS_PREFIX });
  try {
    await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
    const plan = await barrierPlan(root);
    const carryOut = createQueueCarrier({ target: "overhead", queue, events, backoffMs: 1000, pollMs: 1000, clock: Date.now });
    const deps = { exec: { run: () => Promise.reject(new Error("no command runs here")) }, emit: () => undefined, clock: Date.now, signal: new AbortController().signal, env: {}, sleep: async () => undefined, carryOut };
    let failed = 0;
    const ms = await timeMs(async () => {
      const outcome = await runPlan(plan, deps, { failFast: false, jobs: 100 });
      failed = outcome.steps.filter((step) => step.result !== "succeeded").length;
    });
    if (failed > 0) throw new Error(`${failed} steps did not succeed`);
    return [{ name: "coordinator overhead per job", value: round(ms / OVERHEAD_STEPS, 1), unit: "ms", detail: `${OVERHEAD_STEPS} steps one after another through Redis; target < 50` }];
  } finally {
    await worker.close();
    await events.close();
    await queue.close();
    await redis.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** OVERHEAD_STEPS persisting `run` tasks (barriers: one job at a time), planned for a stage on ext4. */
async function barrierPlan(root: string) {
  for (const sub of ["etc-portage", "stage", "repo", "pkgdir", "state"]) await mkdir(path.join(root, sub), { recursive: true });
  const file = path.join(root, "binpkgbot.yml");
  const tasks = Array.from({ length: OVERHEAD_STEPS }, (_, index) => `  - run: {persist: true, name: step${index}, script: 'true'}`);
  await writeFile(file, [`stage: ${root}/stage`, `etc_portage: ${root}/etc-portage`, `portage_repo: ${root}/repo`, `pkgdir: ${root}/pkgdir`, `state_dir: ${root}/state`, "sync: false", "tasks:", ...tasks, ""].join("\n"));
  const loaded = loadConfig(file, diskConfigFiles);
  if (!loaded.ok) throw new Error("the benchmark's config is invalid");
  return planRun({ config: loaded.config, host: { systemdPid1: false, stageFilesystem: "ext4" }, runId: "20261202T000000000Z-1" });
}
