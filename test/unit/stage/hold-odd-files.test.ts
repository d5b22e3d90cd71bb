// What an admin (or a crash) can leave where the hold file goes. A hold file binpkgbot wrote is
// always a regular file; anything else there still holds (the admin rolled back on purpose), is
// never read in a way that blocks, and `stage resume` removes it or says how to.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { constants, openSync, closeSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { holdFile, readHold, readHoldSync, removeHold } from "../../../src/stage/hold.js";
import { stageLayout } from "../../../src/stage/layout-paths.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-hold-odd-"));
after(() => rm(root, { recursive: true, force: true }));

const DAMAGED = { since: "?", generation: "?", from: "?" };

async function layoutNamed(name: string) {
  const layout = stageLayout(path.join(root, name, "stage"));
  await mkdir(layout.generationsDir, { recursive: true });
  return layout;
}

/** A reader stuck opening the FIFO is released by a writer that opens and closes it. */
function releaseReaders(fifo: string): void {
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // no reader was waiting
  }
}

test("a FIFO in place of the hold file holds, is read without waiting for a writer, and resume removes it", async () => {
  const layout = await layoutNamed("fifo");
  execFileSync("mkfifo", [holdFile(layout)]);
  try {
    const read = await Promise.race([readHold(layout), new Promise((resolve) => setTimeout(() => resolve("still waiting after 2 s"), 2_000))]);
    assert.deepEqual(read, DAMAGED);
    assert.deepEqual(readHoldSync(layout), DAMAGED);
    const removed = await Promise.race([removeHold(layout), new Promise((resolve) => setTimeout(() => resolve("still waiting after 2 s"), 2_000))]);
    assert.equal(removed, true);
    assert.equal(await readHold(layout), null);
  } finally {
    releaseReaders(holdFile(layout));
  }
});

test("a directory in place of the hold file holds, and resume names it and how to remove it instead of lifting the hold", async () => {
  const layout = await layoutNamed("dir");
  await mkdir(holdFile(layout));
  assert.deepEqual(await readHold(layout), DAMAGED);
  assert.deepEqual(readHoldSync(layout), DAMAGED);
  await assert.rejects(removeHold(layout), (error: Error) => {
    assert.equal(error.message, `${holdFile(layout)} is a directory, not a hold file binpkgbot wrote: remove it (rmdir ${holdFile(layout)}), then run binpkgbot stage resume again`);
    return true;
  });
  assert.ok((await stat(holdFile(layout))).isDirectory(), "nothing removed");
});

test("no hold: a missing file, or a generations directory that is a file, is no hold", async () => {
  const layout = await layoutNamed("none");
  assert.equal(await readHold(layout), null);
  assert.equal(readHoldSync(layout), null);
  const odd = stageLayout(path.join(root, "none", "other"));
  await writeFile(odd.generationsDir, "not a directory");
  assert.equal(await readHold(odd), null);
  assert.equal(readHoldSync(odd), null);
  assert.equal(await removeHold(odd), false);
});
