// Per-task overhead of binpkgbot against a bare `systemd-nspawn --ephemeral` running the same no-op on
// the same stage, as a ratio of medians: one after the other, and two at a time (`jobs: 2` against bare
// containers started two at a time). Target: at most 1.10. Needs root and btrfs (a loop image).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { canRegisterMachine, probeHost } from "../src/container/host.js";
import { renderNspawnArgv } from "../src/container/nspawn-argv.js";
import { loadConfig } from "../src/config/load.js";
import { TrustedKeyrings } from "../src/engine/prepare-signing.js";
import { prepareStep } from "../src/engine/prepare-step.js";
import { nodeExec } from "../src/exec/exec.js";
import { diskConfigFiles } from "../src/io/config-files.js";
import { planRun } from "../src/plan/plan-run.js";
import type { Step } from "../src/plan/plan.js";
import { configText, runCli } from "../test/integration/support/world.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";
import { inBenchWorld } from "./bench-world.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const TASKS = 10;
const PARALLEL = 2;

function noOpTasks(count: number, jobs = 1): string {
  const tasks = Array.from({ length: count }, (_, i) => `  - run: {persist: false, name: noop-${i}, script: 'exit 0'}`);
  return `jobs: ${jobs}\nsync: false\ntasks:\n${tasks.join("\n")}\n`;
}

/** `count` runs of `one`, at most `width` at a time, as binpkgbot's scheduler starts independent tasks. */
async function inParallel(count: number, width: number, one: (slot: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async (_, slot) => {
    while (next < count) {
      next += 1;
      await one(slot);
    }
  }));
}

export async function benchTaskOverhead(): Promise<BenchResult[]> {
  return inBenchWorld({ name: "task overhead vs bare nspawn", unit: "ratio" }, async (world) => {
    const register = canRegisterMachine(await probeHost({ exec: nodeExec, path: process.env.PATH ?? "" }));
    const bareArgv = renderNspawnArgv({
      directory: world.stage, ephemeral: true, machine: "bench-bare", binds: [], env: {}, command: ["/bin/sh", "-c", "exit 0"], register, sudo: false,
    });
    const runBare = async (): Promise<number> => timeMs(async () => {
      const result = await nodeExec.run(bareArgv);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    // Two at a time, each under its own machine name, as binpkgbot names its containers.
    const bareSlots = Array.from({ length: PARALLEL }, (_, slot) => renderNspawnArgv({
      directory: world.stage, ephemeral: true, machine: `bench-bare-${slot}`, binds: [], env: {}, command: ["/bin/sh", "-c", "exit 0"], register, sudo: false,
    }));
    const runBareSlot = async (slot: number): Promise<void> => {
      const result = await nodeExec.run(bareSlots[slot] ?? bareArgv);
      if (result.code !== 0) throw new Error(result.stderr);
    };
    const runBinpkgbot = async (config: string): Promise<number> => timeMs(async () => {
      // --force: every task starts its container (an unchanged task would be skipped, see bench/incremental.ts).
      const result = await runCli(["run", "--force", "-c", config]);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    const oneTask = path.join(world.root, "one.yml");
    const manyTasks = path.join(world.root, "many.yml");
    const manyParallel = path.join(world.root, "many-parallel.yml");
    await writeFile(oneTask, configText(world, noOpTasks(1)));
    await writeFile(manyTasks, configText(world, noOpTasks(TASKS + 1)));
    await writeFile(manyParallel, configText(world, noOpTasks(TASKS + 1, PARALLEL)));
    // The container exactly as binpkgbot plans it (its binds, environment, setpriv), started bare:
    // splits what nspawn spends on binpkgbot's container from what binpkgbot spends around it.
    const planned = await plannedStep(oneTask);
    const runPlanned = async (): Promise<number> => timeMs(async () => {
      const result = await nodeExec.run(planned.argv);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    // btrfs removes deleted snapshots in the background: a pause before each measurement lets it
    // finish, so that one measurement does not pay for the previous one's clean-up.
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 500));
    // Rounds interleave the measurements (and swap their order), so drift in the machine hits all alike.
    const bare: number[] = [];
    const same: number[] = [];
    const ones: number[] = [];
    const manys: number[] = [];
    const bareParallel: number[] = [];
    const manysParallel: number[] = [];
    for (let round = 0; round < RUNS; round++) {
      const measurements = [
        async () => { await settle(); bare.push(await timeMs(async () => { for (let i = 0; i < TASKS; i++) await runBare(); }) / TASKS); },
        async () => { await settle(); same.push(await timeMs(async () => { for (let i = 0; i < TASKS; i++) await runPlanned(); }) / TASKS); },
        async () => { await settle(); ones.push(await runBinpkgbot(oneTask)); },
        async () => { await settle(); manys.push(await runBinpkgbot(manyTasks)); },
        async () => { await settle(); bareParallel.push(await timeMs(() => inParallel(TASKS, PARALLEL, runBareSlot)) / TASKS); },
        async () => { await settle(); manysParallel.push(await runBinpkgbot(manyParallel)); },
      ];
      for (const measure of round % 2 === 0 ? measurements : measurements.reverse()) await measure();
    }
    const one = median(ones);
    const many = median(manys);
    const perTask = (many - one) / TASKS;
    const bareMedian = median(bare);
    // The one-task run's fixed cost is the same with jobs: 2; what the ten more tasks add, per task.
    const perTaskParallel = (median(manysParallel) - one) / TASKS;
    const bareParallelMedian = median(bareParallel);
    return [
      { name: "bare nspawn --ephemeral no-op", value: round(bareMedian, 1), unit: "ms", detail: `${TASKS} in a row, per container; median of ${bare.length} rounds` },
      { name: "nspawn with binpkgbot's argv, started bare", value: round(median(same), 1), unit: "ms", detail: "same binds, environment and setpriv; no binpkgbot around it" },
      { name: "binpkgbot per task (marginal)", value: round(perTask, 1), unit: "ms", detail: `(run of ${TASKS + 1} tasks − run of 1) / ${TASKS}, medians of ${RUNS}` },
      { name: "binpkgbot fixed cost per run", value: round(one - perTask, 1), unit: "ms", detail: "node start-up, config, lock, leftover check" },
      { name: "task overhead ratio (binpkgbot/bare)", value: round(perTask / bareMedian), unit: "ratio", detail: "target <= 1.10" },
      { name: `bare nspawn no-op, ${PARALLEL} at a time`, value: round(bareParallelMedian, 1), unit: "ms", detail: `${TASKS} containers, wall time per container; median of ${bareParallel.length} rounds` },
      { name: `binpkgbot per task, jobs: ${PARALLEL} (marginal)`, value: round(perTaskParallel, 1), unit: "ms", detail: `(run of ${TASKS + 1} tasks with jobs: ${PARALLEL} − run of 1) / ${TASKS}` },
      { name: `parallel task overhead ratio (jobs: ${PARALLEL})`, value: round(perTaskParallel / bareParallelMedian), unit: "ratio", detail: "against bare containers two at a time; target <= 1.10" },
    ];
  });
}

/** The first step of the config's plan, with its work files laid out (they stay until the fixture goes). */
async function plannedStep(configFile: string): Promise<Step> {
  const loaded = loadConfig(configFile, diskConfigFiles);
  if (!loaded.ok) throw new Error(loaded.issues.map((issue) => issue.message).join("\n"));
  const register = canRegisterMachine(await probeHost({ exec: nodeExec, path: process.env.PATH ?? "" }));
  const plan = planRun({ config: loaded.config, host: { systemdPid1: register, stageFilesystem: "btrfs" }, runId: "bench-planned" });
  const [step] = plan.steps;
  if (!step) throw new Error("no step planned");
  await prepareStep(step, nodeExec, new TrustedKeyrings(nodeExec));
  return step;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchTaskOverhead()) console.log(`${r.name.padEnd(44)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
