import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  StageLockError, StageLockedError, acquireStageLock, renderLock,
} from "../../../src/container/stage-lock.js";

// Above the kernel's largest pid_max (2^22), so kill(pid, 0) always answers ESRCH.
const DEAD_PID = 4_194_305;
const now = new Date("2024-05-01T10:00:00.000Z");

async function tempLockPath(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-lock-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, "stage.lock");
}

test("takes a free lock, writes pid and time, release removes it", async (t) => {
  const path = await tempLockPath(t);
  const lock = await acquireStageLock(path, { pid: process.pid, now });
  assert.equal(lock.staleLockRemoved, null);
  assert.equal(await readFile(path, "utf8"), `pid=${process.pid}\nsince=2024-05-01T10:00:00.000Z\n`);
  await lock.release();
  assert.deepEqual(await readdir(join(path, "..")), []);
});

test("a lock held by a live PID is refused with PID, time and path", async (t) => {
  const path = await tempLockPath(t);
  const first = await acquireStageLock(path, { pid: process.pid, now });
  await assert.rejects(acquireStageLock(path, { pid: 12345, now: new Date() }), (error: unknown) => {
    assert.ok(error instanceof StageLockedError);
    assert.match(error.message, new RegExp(`locked by PID ${process.pid} since 2024-05-01T10:00:00.000Z`));
    assert.ok(error.message.includes(path));
    return true;
  });
  // The refused attempt must not have disturbed the holder's file.
  assert.equal(await readFile(path, "utf8"), renderLock(first.owner));
  await first.release();
});

test("a lock of a dead PID is stale: removed, taken and reported", async (t) => {
  const path = await tempLockPath(t);
  await writeFile(path, renderLock({ pid: DEAD_PID, since: "2024-04-30T00:00:00.000Z" }));
  const lock = await acquireStageLock(path, { pid: process.pid, now });
  assert.deepEqual(lock.staleLockRemoved, { pid: DEAD_PID, since: "2024-04-30T00:00:00.000Z" });
  assert.equal(await readFile(path, "utf8"), renderLock(lock.owner));
  assert.deepEqual((await readdir(join(path, ".."))).sort(), ["stage.lock"]);
  await lock.release();
});

test("release does not remove a lock that another run now holds", async (t) => {
  const path = await tempLockPath(t);
  const lock = await acquireStageLock(path, { pid: DEAD_PID, now, isProcessAlive: () => true });
  const other = await acquireStageLock(path, { pid: process.pid, now });
  assert.deepEqual(other.staleLockRemoved?.pid, DEAD_PID);
  await lock.release();
  assert.equal(await readFile(path, "utf8"), renderLock(other.owner));
  await other.release();
});

test("concurrent acquirers: exactly one wins", async (t) => {
  const path = await tempLockPath(t);
  const attempts = await Promise.allSettled(
    [101, 102, 103, 104].map((pid) => acquireStageLock(path, { pid, now, isProcessAlive: () => true })),
  );
  const won = attempts.filter((attempt) => attempt.status === "fulfilled");
  assert.equal(won.length, 1);
  for (const attempt of attempts) {
    if (attempt.status === "rejected") assert.ok(attempt.reason instanceof StageLockedError);
  }
});

test("a foreign file at the lock path is reported, not overwritten", async (t) => {
  const path = await tempLockPath(t);
  await writeFile(path, "garbage");
  await assert.rejects(acquireStageLock(path, { pid: process.pid, now }), StageLockError);
  assert.equal(await readFile(path, "utf8"), "garbage");
});

test("a missing directory is a StageLockError naming the path", async () => {
  const path = join(tmpdir(), "binpkgbot-no-such-dir", "x", "stage.lock");
  await assert.rejects(acquireStageLock(path, { pid: process.pid, now }), (error: unknown) => {
    assert.ok(error instanceof StageLockError);
    assert.ok(error.message.includes(path));
    return true;
  });
});
