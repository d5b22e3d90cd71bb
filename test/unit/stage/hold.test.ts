// The hold a rollback leaves on the stage: written beside the generations, read by runs, `status`,
// `stage list` and the daemon's /status, removed by `stage resume`.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { startStatusServer } from "../../../src/server/status-server.js";
import { describeHold, holdFile, readHold, removeHold, writeHold } from "../../../src/stage/hold.js";
import { stageLayout } from "../../../src/stage/layout-paths.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-hold-"));
after(() => rm(root, { recursive: true, force: true }));

const HOLD = { since: "2026-11-26T03:15:00.000Z", generation: "gen-2", from: "gen-3" };

test("a hold is kept beside the generations until it is removed; a damaged one still holds", async () => {
  const layout = stageLayout(path.join(root, "a", "stage"));
  await mkdir(layout.generationsDir, { recursive: true });
  assert.equal(await readHold(layout), null);
  assert.equal(await removeHold(layout), false, "nothing to resume");
  await writeHold(layout, HOLD);
  assert.equal(holdFile(layout), path.join(layout.generationsDir, "hold.json"));
  assert.deepEqual(await readHold(layout), HOLD);
  assert.equal(describeHold(HOLD), "the stage is held at gen-2 since 2026-11-26T03:15:00.000Z (binpkgbot stage rollback from gen-3): " +
    "persisting tasks are skipped until binpkgbot stage resume");
  await writeFile(holdFile(layout), "{not json");
  assert.deepEqual(await readHold(layout), { since: "?", generation: "?", from: "?" });
  assert.equal(await removeHold(layout), true);
  assert.equal(await readHold(layout), null);
});

test("the daemon's /status shows the stage's hold", async (t) => {
  const layout = stageLayout(path.join(root, "b", "stage"));
  await mkdir(layout.generationsDir, { recursive: true });
  const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, {
    stateDir: () => path.join(root, "b", "state"),
    stage: () => layout.stage,
    daemon: () => ({ current: null }),
  });
  t.after(() => server.close());
  const status = async (): Promise<Record<string, unknown>> =>
    (await (await fetch(`${server.url}/status`, { signal: AbortSignal.timeout(5_000) })).json()) as Record<string, unknown>;
  assert.equal((await status()).stageHold, null);
  await writeHold(layout, HOLD);
  assert.deepEqual((await status()).stageHold, HOLD);
});
