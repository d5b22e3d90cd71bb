// What every benchmark on real containers shares: skipped with its reason where integration tests
// cannot run (root, btrfs, nspawn), otherwise a fresh btrfs fixture with a test world, removed after.
import { createBtrfsFixture, integrationBlocker } from "../test/integration/harness/btrfs-fixture.js";
import { createWorld, type World } from "../test/integration/support/world.js";
import type { BenchResult } from "./measure.js";

export async function inBenchWorld(skipped: Omit<BenchResult, "value" | "detail">, measure: (world: World) => Promise<BenchResult[]>): Promise<BenchResult[]> {
  const blocker = await integrationBlocker();
  if (blocker !== null) return [{ ...skipped, value: Number.NaN, detail: `not measured: ${blocker}` }];
  const fixture = await createBtrfsFixture();
  try {
    return await measure(await createWorld(fixture.dir));
  } finally {
    await fixture.teardown();
  }
}
