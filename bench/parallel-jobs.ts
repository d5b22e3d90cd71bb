// Tasks side by side: 8 independent CPU-bound throw-away install tasks with `jobs: 2` against `jobs: 1`,
// as a ratio of medians (wall time of the whole run). Target: at least 1.7 on 2 cores. Each task builds
// its own copy of the test repository's app-misc/cpu-burn, whose compile phase burns a fixed amount of
// CPU; PKGDIR is emptied before each run so that --usepkg finds nothing to reuse. Needs root and btrfs.
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { configText, runCli, type World } from "../test/integration/support/world.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";
import { inBenchWorld } from "./bench-world.js";

const TASKS = 8;
const ROUNDS = 3;

/** app-misc/cpu-burn-a … cpu-burn-h: the same ebuild under names of their own, so that no task reuses another's binpkg. */
export async function addBurnPackages(world: World): Promise<string[]> {
  const source = path.join(world.repo, "app-misc", "cpu-burn", "cpu-burn-1.0.ebuild");
  // Letters, not numbers: "cpu-burn-1" would read as version 1 of cpu-burn.
  return Promise.all(Array.from({ length: TASKS }, async (_, i) => {
    const name = `cpu-burn-${String.fromCharCode(97 + i)}`;
    const dir = path.join(world.repo, "app-misc", name);
    await mkdir(dir, { recursive: true });
    await cp(source, path.join(dir, `${name}-1.0.ebuild`));
    return `app-misc/${name}`;
  }));
}

export async function benchParallelJobs(): Promise<BenchResult[]> {
  return inBenchWorld({ name: "jobs: 2 speed-up over jobs: 1", unit: "ratio" }, async (world) => {
    const atoms = await addBurnPackages(world);
    const config = async (jobs: number): Promise<string> => {
      const file = path.join(world.root, `jobs-${jobs}.yml`);
      await writeFile(file, configText(world, `jobs: ${jobs}\nsync: false\ntasks:\n${atoms.map((atom) => `  - install: ${atom}`).join("\n")}\n`));
      return file;
    };
    const configs = { 1: await config(1), 2: await config(2) };
    const times: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const measure = async (jobs: 1 | 2): Promise<void> => {
      await rm(world.pkgdir, { recursive: true, force: true });
      await mkdir(world.pkgdir);
      // btrfs removes deleted snapshots in the background: let it finish before the clock starts.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      times[jobs].push(await timeMs(async () => {
        // --force: an unchanged task would be skipped without building.
        const result = await runCli(["run", "--force", "-c", configs[jobs]]);
        if (result.code !== 0) throw new Error(result.stderr);
      }));
    };
    // Rounds interleave the two (and swap their order), so drift in the machine hits both alike.
    for (let r = 0; r < ROUNDS; r++) for (const jobs of r % 2 === 0 ? [1, 2] as const : [2, 1] as const) await measure(jobs);
    const one = median(times[1]);
    const two = median(times[2]);
    return [
      { name: `${TASKS} CPU-bound tasks, jobs: 1`, value: round(one / 1000, 2), unit: "s", detail: `median of ${ROUNDS} runs` },
      { name: `${TASKS} CPU-bound tasks, jobs: 2`, value: round(two / 1000, 2), unit: "s", detail: `median of ${ROUNDS} runs` },
      { name: "jobs: 2 speed-up over jobs: 1", value: round(one / two), unit: "ratio", detail: `target >= 1.7 on 2 cores; ${availableParallelism()} CPUs here` },
    ];
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchParallelJobs()) console.log(`${r.name.padEnd(44)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
