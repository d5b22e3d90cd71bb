// What every benchmark on real containers shares: skipped with its reason where integration tests
// cannot run (root, btrfs, nspawn), otherwise a fresh btrfs fixture with a test world, removed after.
// Its repository has the `metadata/timestamp.chk` that every sync of a real one writes (emerge-webrsync,
// rsync from a mirror), so that binpkgbot reads the revision from it as it does on a real host, and not by
// walking the tree as it must for a local overlay (src/state/read-inputs.ts).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createBtrfsFixture, integrationBlocker } from "../test/integration/harness/btrfs-fixture.js";
import { createWorld, type World } from "../test/integration/support/world.js";
import type { BenchResult } from "./measure.js";

export async function inBenchWorld(skipped: Omit<BenchResult, "value" | "detail">, measure: (world: World) => Promise<BenchResult[]>): Promise<BenchResult[]> {
  const blocker = await integrationBlocker();
  if (blocker !== null) return [{ ...skipped, value: Number.NaN, detail: `not measured: ${blocker}` }];
  const fixture = await createBtrfsFixture();
  try {
    const world = await createWorld(fixture.dir);
    await mkdir(path.join(world.repo, "metadata"), { recursive: true });
    await writeFile(path.join(world.repo, "metadata", "timestamp.chk"), "Wed, 02 Dec 2026 00:45:01 +0000\n");
    return await measure(world);
  } finally {
    await fixture.teardown();
  }
}
