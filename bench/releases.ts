// Publishing a release of PKGDIR with 1,000 and 10,000 (placeholder) binpkgs: a read-only btrfs
// snapshot should take the same time for both (ratio near 1, target: under 1 s at 10,000), hard links
// grow with the number of files (ratio near 10) and copy no data. Needs root and btrfs (a loop image).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createSubvolume } from "../src/container/btrfs.js";
import { nodeExec } from "../src/exec/exec.js";
import { publishRelease } from "../src/releases/publish.js";
import { releasesLayout } from "../src/releases/release-layout.js";
import { createBtrfsFixture, integrationBlocker } from "../test/integration/harness/btrfs-fixture.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";

const SIZES = [1_000, 10_000] as const;
const REPEATS = 5;

async function fillPkgdir(pkgdir: string, count: number): Promise<void> {
  const blocks: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = path.join(pkgdir, `cat-${i % 100}`, `pkg${i}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `pkg${i}-1.0-1.gpkg.tar`), "placeholder");
    blocks.push(`BUILD_ID: 1\nCPV: cat-${i % 100}/pkg${i}-1.0\nPATH: cat-${i % 100}/pkg${i}/pkg${i}-1.0-1.gpkg.tar\nSIZE: 11\n`);
  }
  await writeFile(path.join(pkgdir, "Packages"), `PACKAGES: ${count}\n\n${blocks.join("\n")}`);
}

async function publishTimes(pkgdir: string): Promise<number> {
  const layout = releasesLayout(`${pkgdir}.releases`);
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    times.push(await timeMs(() => publishRelease(layout, { pkgdir, repository: null, stageGeneration: "bench", run: null }, { exec: nodeExec, now: () => new Date() })));
  }
  return median(times);
}

export async function benchReleases(): Promise<BenchResult[]> {
  const blocker = await integrationBlocker();
  if (blocker !== null) return [{ name: "publish 10,000 binpkgs on btrfs", value: Number.NaN, unit: "ms", detail: `not measured: ${blocker}` }];
  const fixture = await createBtrfsFixture();
  try {
    const results: BenchResult[] = [];
    for (const kind of ["btrfs", "hardlinks"] as const) {
      const ms: number[] = [];
      for (const size of SIZES) {
        const pkgdir = path.join(fixture.dir, `${kind}-${size}`);
        if (kind === "btrfs") await createSubvolume(nodeExec, pkgdir);
        else await mkdir(pkgdir);
        await fillPkgdir(pkgdir, size);
        ms.push(await publishTimes(pkgdir));
        results.push({ name: `publish ${size} binpkgs, ${kind}`, value: round(ms.at(-1)!, 1), unit: "ms", detail: `median of ${REPEATS}` });
      }
      const target = kind === "btrfs" ? "flat: near 1" : "linear: near 10";
      results.push({ name: `${kind}: 10,000 / 1,000`, value: round(ms[1]! / ms[0]!, 2), unit: "ratio", detail: target });
    }
    return results;
  } finally {
    await fixture.teardown();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const result of await benchReleases()) console.log(`${result.name.padEnd(44)} ${String(result.value).padStart(10)} ${result.unit.padEnd(6)} ${result.detail ?? ""}`);
}
