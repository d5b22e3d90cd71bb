// build_jobs: 2 with 4 containers running at once, each building a package that wants -j4 (MAKEOPTS=-j4,
// eight compile units): the most compile processes sampled at once, against the same run without the
// pool. Target: at most 2. Needs root and btrfs (a loop image). A whole `binpkgbot run` with jobs: 4.
import { createBtrfsFixture, integrationBlocker } from "../test/integration/harness/btrfs-fixture.js";
import { planPoolRun, sampleCompileProcesses } from "../test/integration/support/pool-run.js";
import { readFile, writeFile } from "node:fs/promises";
import { createWorld, runCli } from "../test/integration/support/world.js";
import { round, timeMs, type BenchResult } from "./measure.js";

const CONTAINERS = 4;
const BUILD_JOBS = 2;

export async function benchJobPool(): Promise<BenchResult[]> {
  const blocker = await integrationBlocker();
  if (blocker !== null) return [{ name: "job pool: most compile processes", value: Number.NaN, unit: "procs", detail: `not measured: ${blocker}` }];
  const fixture = await createBtrfsFixture();
  try {
    const pooled = await measure(fixture.dir, BUILD_JOBS);
    const unpooled = await measure(fixture.dir, null);
    return [
      { name: `job pool: most compile processes`, value: pooled.max, unit: "procs", detail: `build_jobs: ${BUILD_JOBS}, ${CONTAINERS} containers wanting -j4 (target <= ${BUILD_JOBS}); ${pooled.samples} samples in ${round(pooled.ms / 1000, 1)} s` },
      { name: "without the pool: most compile processes", value: unpooled.max, unit: "procs", detail: `the same run without build_jobs; ${unpooled.samples} samples in ${round(unpooled.ms / 1000, 1)} s` },
    ];
  } finally {
    await fixture.teardown();
  }
}

async function measure(dir: string, buildJobs: number | null): Promise<{ max: number; samples: number; ms: number }> {
  const world = await createWorld(dir);
  const names = Array.from({ length: CONTAINERS }, (_, i) => `build-${i + 1}`);
  await planPoolRun(world, buildJobs, names.map((name) => `  - install: {atom: app-misc/parallel, name: ${name}}\n`).join(""));
  await writeFile(world.config, `${await readFile(world.config, "utf8")}jobs: ${CONTAINERS}\n`);
  const sampler = sampleCompileProcesses();
  const ms = await timeMs(async () => {
    const result = await runCli(["run", "-c", world.config]);
    if (result.code !== 0) throw new Error(result.stderr);
  });
  return { ...(await sampler.stop()), ms };
}
