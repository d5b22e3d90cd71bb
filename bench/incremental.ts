// A 50-task config run twice with nothing changed: the second run starts no container. Reports both
// wall times and their ratio. Needs root and btrfs (a loop image), like the integration tests.
import { writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { configText, readRecords, runCli } from "../test/integration/support/world.js";
import { round, timeMs, type BenchResult } from "./measure.js";
import { inBenchWorld } from "./bench-world.js";

const TASKS = 50;

export async function benchIncremental(): Promise<BenchResult[]> {
  return inBenchWorld({ name: "second run of 50 unchanged tasks", unit: "ms" }, async (world) => {
    const tasks = Array.from({ length: TASKS }, (_, i) => `  - install: app-misc/bench${i}x`);
    await writeFile(world.config, configText(world, `sync: false\ntasks:\n${tasks.join("\n")}\n`));
    const run = async (): Promise<{ ms: number; containers: number }> => {
      const before = (await readRecords(world)).length;
      const ms = await timeMs(async () => {
        const result = await runCli(["run", "-c", world.config]);
        if (result.code !== 0) throw new Error(result.stderr);
      });
      return { ms, containers: (await readRecords(world)).length - before };
    };
    const first = await run();
    const second = await run();
    if (second.containers !== 0) throw new Error(`the unchanged second run started ${second.containers} containers`);
    return [
      { name: "first run, 50 tasks", value: round(first.ms, 0), unit: "ms", detail: `${first.containers} containers ran emerge` },
      { name: "second run, nothing changed", value: round(second.ms, 0), unit: "ms", detail: `${second.containers} containers` },
      { name: "second/first", value: round(second.ms / first.ms, 3), unit: "ratio" },
    ];
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchIncremental()) console.log(`${r.name.padEnd(44)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
