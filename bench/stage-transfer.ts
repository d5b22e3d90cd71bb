// A new stage generation reaching a second worker: the bytes the coordinator sends when the worker
// has the previous generation (btrfs send -p) against the generation's size, and a full send of the
// same generation for comparison. Needs root and btrfs (a loop image); HTTP on loopback.
import { mkdir, writeFile } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createSnapshot, deleteSubvolume } from "../src/container/btrfs.js";
import { nodeExec, runChecked } from "../src/exec/exec.js";
import type { TransferHandler } from "../src/fleet/transfer/transfer-handler.js";
import { createBtrfsFixture, integrationBlocker } from "../test/integration/harness/btrfs-fixture.js";
import { createTransferWorld } from "../test/integration/support/transfer-world.js";
import { round, timeMs, type BenchResult } from "./measure.js";

const STAGE_MIB = 48;
const SMALL_FILES = 2000;
const CHANGED_FILES = 50;
const MIB = 1024 * 1024;

/** Counts the bytes of every generation stream the coordinator sends. */
function counting(sent: { bytes: number }): (handler: TransferHandler) => TransferHandler {
  return (handler) => (req, res) => {
    if (req.url?.endsWith("/stream")) {
      const write = res.write.bind(res) as (chunk: Buffer, ...rest: unknown[]) => boolean;
      (res as http.ServerResponse & { write: typeof write }).write = (chunk: Buffer, ...rest: unknown[]) => {
        sent.bytes += chunk.length;
        return write(chunk, ...rest);
      };
    }
    return handler(req, res);
  };
}

async function fillStage(dir: string): Promise<void> {
  await runChecked(nodeExec, ["dd", "if=/dev/urandom", `of=${path.join(dir, "payload")}`, "bs=1M", `count=${STAGE_MIB}`, "status=none"]);
  await mkdir(path.join(dir, "usr", "share"), { recursive: true });
  for (let i = 0; i < SMALL_FILES; i++) await writeFile(path.join(dir, "usr", "share", `file-${i}`), `${"x".repeat(4000)} ${i}\n`);
}

export async function benchStageTransfer(): Promise<BenchResult[]> {
  const blocker = await integrationBlocker();
  if (blocker !== null) return [{ name: "new stage generation to a 2nd worker", value: Number.NaN, unit: "MiB", detail: `not measured: ${blocker}` }];
  // One filesystem per host, as on separate machines: a receive finds its parent only on its own.
  const fixtures = [await createBtrfsFixture(), await createBtrfsFixture(), await createBtrfsFixture(), await createBtrfsFixture()];
  const [coordinator, ...hosts] = fixtures.map((fixture) => fixture.dir) as [string, string, string, string];
  const sent = { bytes: 0 };
  const world = await createTransferWorld(coordinator, 0, counting(sent));
  try {
    await fillStage(path.join(world.target.stage));
    const [maker, second, fresh] = [await world.worker("maker", hosts[0]), await world.worker("second", hosts[1]), await world.worker("fresh", hosts[2])];
    const gen1 = await maker.ensureGeneration("amd64-server", "gen-1");
    await second.ensureGeneration("amd64-server", "gen-1");
    // A persisting step on the first worker: a new package's files, some files changed.
    const work = path.join(maker.store, "work");
    await createSnapshot(nodeExec, gen1, work);
    await runChecked(nodeExec, ["dd", "if=/dev/urandom", `of=${path.join(work, "new-package")}`, "bs=1M", "count=1", "status=none"]);
    for (let i = 0; i < CHANGED_FILES; i++) await writeFile(path.join(work, "usr", "share", `file-${i}`), `changed ${i}\n`);
    await maker.pushGeneration("amd64-server", "gen-1", "gen-2", work);
    await deleteSubvolume(nodeExec, work);
    const size = Number((await runChecked(nodeExec, ["du", "-sbD", world.target.stage])).stdout.split("\t")[0]);

    sent.bytes = 0;
    const incrementalMs = await timeMs(() => second.ensureGeneration("amd64-server", "gen-2"));
    const incremental = sent.bytes;
    sent.bytes = 0;
    const fullMs = await timeMs(() => fresh.ensureGeneration("amd64-server", "gen-2"));
    const full = sent.bytes;
    const mib = (bytes: number): number => round(bytes / MIB, 2);
    return [
      { name: "new stage generation to a 2nd worker", value: mib(incremental), unit: "MiB", detail: `incremental (btrfs send -p gen-1): ${round((100 * incremental) / size, 1)}% of the ${mib(size)} MiB generation, ${Math.round(incrementalMs)} ms` },
      { name: "the same generation, full send", value: mib(full), unit: "MiB", detail: `${round((100 * full) / size, 1)}% of the generation, ${Math.round(fullMs)} ms; incremental is ${round(full / Math.max(incremental, 1), 1)}x smaller` },
    ];
  } finally {
    await world.close();
    for (const fixture of fixtures) await fixture.teardown();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const result of await benchStageTransfer()) console.log(result);
}
