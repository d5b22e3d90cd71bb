// The coordinator runs targets side by side; two sharing one repository must not sync it twice at once.
// The first target naming it syncs it; the other starts only once that sync has ended, and does not sync.
// Real redis-server, a real worker process, real systemd-nspawn over btrfs, the emerge double recording.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { startRedis } from "./harness/redis-server.js";
import { coordinate, runOf, startWorker, worldFleet } from "./support/fleet.js";
import { configText, createWorld, readRecords } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

test("coordinator: targets sharing a repository sync it once, the second waiting for that sync to end", { skip, timeout: 150_000 }, async (t) => {
  const dir = suite.fixture().dir;
  const [amd64, arm64] = [await createWorld(dir), await createWorld(dir)];
  t.after(await leakGuard(dir));
  await writeFile(amd64.config, configText(amd64, "tasks:\n  - install: app-misc/plain\n"));
  await writeFile(arm64.config, configText(arm64, "tasks:\n  - install: app-misc/plain\n").replace(`portage_repo: ${arm64.repo}`, `portage_repo: ${amd64.repo}`));
  const redis = await startRedis();
  // Two steps at once: without the wait, arm64's steps could start beside amd64's sync.
  const worker = startWorker(redis.url, ["--concurrency", "2"]);
  t.after(async () => {
    await worker.stop();
    await redis.stop();
  });
  const coordinated = await coordinate(worldFleet([{ name: "amd64", world: amd64 }, { name: "arm64", world: arm64 }]), redis.url);
  for (const target of ["amd64", "arm64"]) assert.equal(runOf(coordinated, target).result, "succeeded", `${target}: ${worker.output()}`);
  const syncs = async (world: typeof amd64): Promise<number> => (await readRecords(world)).filter((record) => record.argv.includes("--sync")).length;
  assert.equal(await syncs(amd64), 1);
  assert.equal(await syncs(arm64), 0);
  const at = (test: (entry: (typeof coordinated.events)[number]) => boolean): number => coordinated.events.findIndex(test);
  const syncEnded = at(({ target, event }) => target === "amd64" && event.kind === "step-end" && event.outcome.step.task.id === "sync");
  const armStarted = at(({ target, event }) => target === "arm64" && event.kind === "step-start");
  const waiting = at(({ target, event }) => target === "arm64" && event.kind === "notice" && event.message.includes("synced once in this run, by target amd64") && event.message.endsWith("waiting for it"));
  assert.ok(syncEnded >= 0 && armStarted >= 0 && waiting >= 0, JSON.stringify({ syncEnded, armStarted, waiting }));
  assert.ok(waiting < syncEnded && syncEnded < armStarted, "arm64 said it waits, and started its steps only after amd64's sync ended");
});
