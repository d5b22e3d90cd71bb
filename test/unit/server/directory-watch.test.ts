// DirectoryWatch (src/server/directory-watch.ts): an answer read from the releases directory holds until
// an entry there changes, a second passes, or while the directory cannot be watched.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { DirectoryWatch } from "../../../src/server/directory-watch.js";

async function directory(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-watch-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Until the watch has seen the change (inotify events arrive through the event loop). */
async function untilStale(watch: DirectoryWatch, stamp: ReturnType<DirectoryWatch["stamp"]>): Promise<void> {
  for (let i = 0; i < 200 && watch.fresh(stamp); i++) await sleep(5);
}

test("a cached read is answered from memory until a rename in the directory, then read again", async (t) => {
  const dir = await directory(t);
  const watch = new DirectoryWatch(dir);
  t.after(() => watch.close());
  let reads = 0;
  const read = watch.cached(async () => ++reads);
  assert.equal(await read(), 1);
  assert.equal(await read(), 1, "no second read while nothing changed");
  const stamp = watch.stamp();
  await symlink("2", join(dir, "current.new"));
  await rename(join(dir, "current.new"), join(dir, "current"));
  await untilStale(watch, stamp);
  assert.equal(watch.fresh(stamp), false);
  assert.equal(await read(), 2);
});

test("an answer a second old is read again even without a change (inotify can drop events)", async (t) => {
  const dir = await directory(t);
  let now = 0;
  const watch = new DirectoryWatch(dir, () => now);
  t.after(() => watch.close());
  const stamp = watch.stamp();
  now = 999;
  assert.equal(watch.fresh(stamp), true);
  now = 1000;
  assert.equal(watch.fresh(stamp), false);
});

test("while the directory does not exist nothing is fresh; once it exists it is watched", async (t) => {
  const dir = join(await directory(t), "releases");
  const watch = new DirectoryWatch(dir);
  t.after(() => watch.close());
  assert.equal(watch.fresh(watch.stamp()), false);
  await mkdir(dir);
  assert.equal(watch.fresh(watch.stamp()), true);
});
