// The jobserver's FIFOs, with real named pipes in a temporary directory and this test as the client
// (a make would read and write the same bytes).
import assert from "node:assert/strict";
import { closeSync, constants, openSync, readSync, writeSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { nodeExec } from "../../../src/exec/exec.js";
import { FifoJobserver, JobserverError } from "../../../src/jobserver/fifo-jobserver.js";

const dirs: string[] = [];
after(async () => { for (const dir of dirs) await rm(dir, { recursive: true, force: true }); });

async function fifoDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "jobserver-"));
  dirs.push(dir);
  return dir;
}

/** A client's end of a FIFO: takes up to `count` tokens without waiting, returns how many it got. */
function take(fd: number, count: number): number {
  try {
    return readSync(fd, Buffer.alloc(count), 0, count, null);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return 0;
    throw error;
  }
}

const client = (fifo: string): number => openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);

describe("FifoJobserver", () => {
  it("puts all M tokens into the one container's FIFO, as '+' bytes a make reads", async () => {
    const dir = await fifoDir();
    const jobserver = new FifoJobserver(3, { exec: nodeExec });
    const slot = await jobserver.open(path.join(dir, "a"));
    const fd = client(path.join(dir, "a"));
    const buffer = Buffer.alloc(8);
    const got = readSync(fd, buffer, 0, 8, null);
    assert.equal(buffer.subarray(0, got).toString(), "+++");
    assert.equal((await stat(path.join(dir, "a"))).mode & 0o777, 0o666);
    closeSync(fd);
    await slot.close();
    await assert.rejects(stat(path.join(dir, "a")), /ENOENT/, "closing removes the FIFO");
  });

  it("gives the tokens a container took and never returned to the next container once it ends", async () => {
    const dir = await fifoDir();
    const jobserver = new FifoJobserver(2, { exec: nodeExec, intervalMs: 10 });
    const killed = await jobserver.open(path.join(dir, "killed"));
    const fd = client(path.join(dir, "killed"));
    assert.equal(take(fd, 2), 2);
    closeSync(fd); // the build dies holding both
    await killed.close();
    const next = await jobserver.open(path.join(dir, "next"));
    const nextFd = client(path.join(dir, "next"));
    assert.equal(take(nextFd, 5), 2);
    closeSync(nextFd);
    await next.close();
    jobserver.stop();
  });

  it("takes idle tokens back from one container for another, and never more than M are out", async () => {
    const dir = await fifoDir();
    const jobserver = new FifoJobserver(4, { exec: nodeExec, intervalMs: 10 });
    const a = await jobserver.open(path.join(dir, "a"));
    const b = await jobserver.open(path.join(dir, "b"));
    const fdA = client(path.join(dir, "a"));
    const fdB = client(path.join(dir, "b"));
    assert.equal(take(fdA, 1), 1, "a runs one job; three tokens are idle in its FIFO");
    await sleep(60);
    const gotB = take(fdB, 4);
    assert.ok(gotB >= 1, `b got ${gotB} token(s) after the reclaim`);
    await sleep(60);
    const more = take(fdA, 4) + take(fdB, 4);
    assert.ok(1 + gotB + more <= 4, `${1 + gotB + more} tokens out of 4`);
    // A build that writes bytes of its own makes no tokens for the others.
    writeSync(fdA, Buffer.alloc(20, 0x2b));
    await sleep(60);
    assert.ok(jobserver.given(path.join(dir, "a")) + jobserver.given(path.join(dir, "b")) + jobserver.freeTokens === 4);
    closeSync(fdA);
    closeSync(fdB);
    await a.close();
    await b.close();
    assert.equal(jobserver.freeTokens, 4);
    jobserver.stop();
  });

  it("says which FIFO it could not make", async () => {
    const jobserver = new FifoJobserver(1, { exec: nodeExec });
    await assert.rejects(jobserver.open("/nonexistent/dir/fifo"), (error: Error) => error instanceof JobserverError && error.message.includes("/nonexistent/dir/fifo"));
  });
});
