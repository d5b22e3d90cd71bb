// Per-task overhead of binpkgbot against a bare `systemd-nspawn --ephemeral` running the same no-op on
// the same stage, as a ratio of medians. Target: at most 1.10. Needs root and btrfs (a loop image).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { canRegisterMachine, probeHost } from "../src/container/host.js";
import { renderNspawnArgv } from "../src/container/nspawn-argv.js";
import { nodeExec } from "../src/exec/exec.js";
import { createBtrfsFixture, integrationBlocker } from "../test/integration/harness/btrfs-fixture.js";
import { configText, createWorld, runCli } from "../test/integration/support/world.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";

const RUNS = 15;
const TASKS = 10;

function noOpTasks(count: number): string {
  const tasks = Array.from({ length: count }, (_, i) => `  - run: {persist: false, name: noop-${i}, script: 'exit 0'}`);
  return `sync: false\ntasks:\n${tasks.join("\n")}\n`;
}

export async function benchTaskOverhead(): Promise<BenchResult[]> {
  const blocker = await integrationBlocker();
  if (blocker !== null) return [{ name: "task overhead vs bare nspawn", value: Number.NaN, unit: "ratio", detail: `not measured: ${blocker}` }];
  const fixture = await createBtrfsFixture();
  try {
    const world = await createWorld(fixture.dir);
    const register = canRegisterMachine(await probeHost({ exec: nodeExec, path: process.env.PATH ?? "" }));
    const bareArgv = renderNspawnArgv({
      directory: world.stage, ephemeral: true, machine: "bench-bare", binds: [], env: {}, command: ["/bin/sh", "-c", "exit 0"], register, sudo: false,
    });
    const runBare = async (): Promise<number> => timeMs(async () => {
      const result = await nodeExec.run(bareArgv);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    const runBinpkgbot = async (config: string): Promise<number> => timeMs(async () => {
      // --force: every task starts its container (an unchanged task would be skipped, see bench/incremental.ts).
      const result = await runCli(["run", "--force", "-c", config]);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    const oneTask = path.join(world.root, "one.yml");
    const manyTasks = path.join(world.root, "many.yml");
    await writeFile(oneTask, configText(world, noOpTasks(1)));
    await writeFile(manyTasks, configText(world, noOpTasks(TASKS + 1)));
    // Rounds interleave the three measurements, so drift in the machine's load hits all of them alike.
    const bare: number[] = [];
    const ones: number[] = [];
    const manys: number[] = [];
    for (let round = 0; round < RUNS; round++) {
      for (let i = 0; i < TASKS; i++) bare.push(await runBare());
      ones.push(await runBinpkgbot(oneTask));
      manys.push(await runBinpkgbot(manyTasks));
    }
    const one = median(ones);
    const many = median(manys);
    const perTask = (many - one) / TASKS;
    const bareMedian = median(bare);
    return [
      { name: "bare nspawn --ephemeral no-op", value: round(bareMedian, 1), unit: "ms", detail: `median of ${bare.length}` },
      { name: "binpkgbot per task (marginal)", value: round(perTask, 1), unit: "ms", detail: `(run of ${TASKS + 1} tasks − run of 1) / ${TASKS}, medians of ${RUNS}` },
      { name: "binpkgbot fixed cost per run", value: round(one - perTask, 1), unit: "ms", detail: "node start-up, config, lock, leftover check" },
      { name: "task overhead ratio (binpkgbot/bare)", value: round(perTask / bareMedian), unit: "ratio", detail: "target <= 1.10" },
    ];
  } finally {
    await fixture.teardown();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchTaskOverhead()) console.log(`${r.name.padEnd(44)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
