// The whole cost of a one-task run as a process (node start-up, config, lock, leftover check, host
// facts, database, the container) against a bare `systemd-nspawn --ephemeral` of the same command on
// the same stage, as a ratio of medians. Target: at most 1.5. Needs root and btrfs (a loop image).
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { canRegisterMachine, probeHost } from "../src/container/host.js";
import { renderNspawnArgv } from "../src/container/nspawn-argv.js";
import { nodeExec } from "../src/exec/exec.js";
import { configText, runCli } from "../test/integration/support/world.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";
import { inBenchWorld } from "./bench-world.js";

const require = createRequire(import.meta.url);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const COMMAND = "exit 0";

export async function benchRunFixedCost(): Promise<BenchResult[]> {
  return inBenchWorld({ name: "one-task run vs bare nspawn", unit: "ratio" }, async (world) => {
    const register = canRegisterMachine(await probeHost({ exec: nodeExec, path: process.env.PATH ?? "" }));
    const bareArgv = renderNspawnArgv({
      directory: world.stage, ephemeral: true, machine: "bench-bare", binds: [], env: {}, command: ["/bin/sh", "-c", COMMAND], register, sudo: false,
    });
    await writeFile(world.config, configText(world, `sync: false\ntasks:\n  - run: {persist: false, name: one, script: '${COMMAND}'}\n`));
    // Started from a shell-like parent as an admin would: the bare container through nodeExec too, so
    // that both pay the same for being spawned.
    const bare = (): Promise<number> => timeMs(async () => {
      const result = await nodeExec.run(bareArgv);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    const run = (): Promise<number> => timeMs(async () => {
      const result = await runCli(["run", "--force", "-c", world.config]);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    // Node's own start-up here, the floor of any Node program: shows how much of the run is binpkgbot's.
    const nodeAlone = (): Promise<number> => timeMs(async () => {
      const result = await nodeExec.run([process.execPath, "-e", "0"]);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    // What every run needs whatever its code: the state database's SQLite (the native addon loaded and a
    // database opened), and the step's own snapshot made and removed (btrfs-progs), which keep_failed needs.
    const sqliteAlone = (): Promise<number> => timeMs(async () => {
      const script = `const D = require(${JSON.stringify(require.resolve("better-sqlite3"))}); new D(":memory:").close();`;
      const result = await nodeExec.run([process.execPath, "-e", script]);
      if (result.code !== 0) throw new Error(result.stderr);
    });
    const snapshotPair = (): Promise<number> => timeMs(async () => {
      const target = `${world.stage}.bench-snapshot`;
      for (const argv of [["btrfs", "subvolume", "snapshot", world.stage, target], ["btrfs", "subvolume", "delete", target]]) {
        const result = await nodeExec.run(argv);
        if (result.code !== 0) throw new Error(result.stderr);
      }
    });
    const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
    const bares: number[] = [];
    const runs: number[] = [];
    const nodes: number[] = [];
    const sqlites: number[] = [];
    const snapshots: number[] = [];
    for (let round = 0; round < RUNS; round++) {
      const measurements = [
        async () => bares.push(await bare()), async () => runs.push(await run()), async () => nodes.push(await nodeAlone()),
        async () => sqlites.push(await sqliteAlone()), async () => snapshots.push(await snapshotPair()),
      ];
      for (const measure of round % 2 === 0 ? measurements : measurements.reverse()) {
        await settle();
        await measure();
      }
    }
    return [
      { name: "bare nspawn --ephemeral, one command", value: round(median(bares), 1), unit: "ms", detail: `median of ${RUNS}` },
      { name: "binpkgbot run of one task, whole process", value: round(median(runs), 1), unit: "ms", detail: "run --force, interleaved with the bare ones" },
      { name: "node -e 0 (Node start-up alone)", value: round(median(nodes), 1), unit: "ms", detail: process.env.NODE_EXTRA_CA_CERTS ? "NODE_EXTRA_CA_CERTS is set: Node reads it at every start" : "interleaved with the others" },
      { name: "one-task run ratio (binpkgbot/bare)", value: round(median(runs) / median(bares)), unit: "ratio", detail: "target <= 1.50" },
      // What no Node program can go below: its own start-up, then the same container.
      { name: "floor for any Node program ((node -e 0 + bare)/bare)", value: round((median(nodes) + median(bares)) / median(bares)), unit: "ratio", detail: "the target is reachable only above this" },
      { name: "node opening an SQLite database", value: round(median(sqlites), 1), unit: "ms", detail: "better-sqlite3 loaded, :memory: opened and closed" },
      { name: "btrfs snapshot and delete of the stage", value: round(median(snapshots), 1), unit: "ms", detail: "two btrfs-progs processes: the throw-away snapshot keep_failed keeps" },
      {
        name: "floor with a state database and own snapshot", value: round((median(sqlites) + median(snapshots) + median(bares)) / median(bares)), unit: "ratio",
        detail: "(node with SQLite + snapshot pair + bare)/bare, before any of binpkgbot's own work",
      },
    ];
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchRunFixedCost()) console.log(`${r.name.padEnd(44)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
