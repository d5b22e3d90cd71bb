// The run's one GNU make jobserver (build_jobs): a FIFO per running container, fed from one pool of M
// tokens (src/jobserver/token-pool.ts). binpkgbot plays the part dev-build/steve or guildmaster play
// on a Gentoo host: Portage's emerge in each container takes a token per build job from the FIFO
// (FEATURES=jobserver-token, lib/_emerge/Scheduler.py) and every make it starts takes its extra jobs
// from it, so that all containers together run at most M jobs.
//
// This file is the thin I/O: mkfifo, one O_RDWR|O_NONBLOCK descriptor per FIFO (reads and writes never
// block, and the FIFO never reports end-of-file to the builds), writes of tokens, reads of idle ones.
import { closeSync, constants, openSync, readSync, writeSync } from "node:fs";
import { unlink } from "node:fs/promises";
import type { Exec } from "../exec/exec.js";
import { TokenPool } from "./token-pool.js";

/** GNU make writes '+' tokens; a client must give back the byte it took (GNU make manual, "POSIX Jobserver Interaction"). */
const TOKEN = 0x2b;
/** How often idle tokens are taken back out of the FIFOs and dealt again while two or more containers run. */
export const RECLAIM_INTERVAL_MS = 100;

/** A FIFO could not be made or opened; the message names it. */
export class JobserverError extends Error {
  override readonly name = "JobserverError";
}

/** One container's place in the pool: closing it returns every token it was given. */
export interface JobSlot {
  close(): Promise<void>;
}

export interface FifoJobserverOptions {
  exec: Exec;
  intervalMs?: number;
}

export class FifoJobserver {
  private readonly pool: TokenPool;
  private readonly fds = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly size: number, private readonly options: FifoJobserverOptions) {
    this.pool = new TokenPool(size);
  }

  /** Makes the FIFO (mode 0666: Portage's userpriv builds run as portage, make.conf(5) MAKEFLAGS), joins it to the pool and deals. */
  async open(fifo: string): Promise<JobSlot> {
    const made = await this.options.exec.run(["mkfifo", "-m", "0666", fifo]);
    if (made.code !== 0) throw new JobserverError(`cannot make the jobserver FIFO ${fifo}: ${made.stderr.trim() || `mkfifo exited with ${made.code}`}`);
    let fd: number;
    try {
      fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    } catch (error) {
      await unlink(fifo).catch(() => undefined);
      throw new JobserverError(`cannot open the jobserver FIFO ${fifo}: ${(error as Error).message}`, { cause: error });
    }
    this.fds.set(fifo, fd);
    this.pool.join(fifo);
    this.deal();
    this.schedule();
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        this.leave(fifo);
        await unlink(fifo).catch(() => undefined);
      },
    };
  }

  /** Tokens out with the container of this FIFO (for tests and the benchmark). */
  given(fifo: string): number {
    return this.pool.given(fifo);
  }

  get freeTokens(): number {
    return this.pool.freeTokens;
  }

  /** Closes every FIFO still open (the run is over). */
  stop(): void {
    for (const fifo of [...this.fds.keys()]) this.leave(fifo);
  }

  private leave(fifo: string): void {
    const fd = this.fds.get(fifo);
    if (fd === undefined) return;
    this.fds.delete(fifo);
    this.pool.leave(fifo);
    closeSync(fd);
    this.deal();
    this.schedule();
  }

  /** Idle tokens sit in a FIFO: with more than one container they are read back, so the deal can share them. */
  private reclaim(): void {
    if (this.fds.size > 1) for (const [fifo, fd] of this.fds) this.pool.returned(fifo, drain(fd));
    this.deal();
  }

  private deal(): void {
    this.pool.deal((fifo, count) => {
      const fd = this.fds.get(fifo);
      return fd === undefined ? 0 : writeTokens(fd, count);
    });
  }

  private schedule(): void {
    if (this.fds.size > 1 && this.timer === null) {
      this.timer = setInterval(() => this.reclaim(), this.options.intervalMs ?? RECLAIM_INTERVAL_MS);
      this.timer.unref();
    } else if (this.fds.size <= 1 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

/** Reads every byte waiting in the FIFO without blocking; returns how many. */
function drain(fd: number): number {
  const buffer = Buffer.alloc(4096);
  let total = 0;
  for (;;) {
    const read = readOrZero(fd, buffer);
    total += read;
    if (read < buffer.length) return total;
  }
}

function readOrZero(fd: number, buffer: Buffer): number {
  try {
    return readSync(fd, buffer, 0, buffer.length, null);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return 0;
    throw error;
  }
}

/** Writes up to `count` tokens; a full pipe takes fewer. */
function writeTokens(fd: number, count: number): number {
  try {
    return writeSync(fd, Buffer.alloc(count, TOKEN));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EAGAIN") return 0;
    throw error;
  }
}
