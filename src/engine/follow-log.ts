// A step's command writes its output straight into the step's log (ExecOptions.outputFd): the build runs
// at the speed of the disk, as if it wrote to a file itself. Its lines reach binpkgbot's stdout, the live
// block and the failure tail by following that file as it grows, in large reads, at the reader's pace:
// a slow terminal or journald never slows the build, and what is not relayed yet waits on disk, not in memory.
import { open } from "node:fs/promises";

/** One read: large, so that a gigabyte of output costs few reads and wake-ups; two are held (one read ahead). */
export const FOLLOW_READ_BYTES = 512 * 1024;
/** How long the follower waits, having reached the end while the command still runs, before it looks again. */
export const FOLLOW_POLL_MS = 50;

export interface FollowOptions {
  /** Where the command's output starts (after the log's header). */
  from: number;
  /** Settles once the command can write no more: the follower then reads to the end and stops. */
  ended: Promise<unknown>;
  /**
   * Each piece read, in order; a returned promise holds back the next (which is read meanwhile). The
   * piece's buffer is read into again once that has settled: what is kept must be copied.
   */
  onChunk: (chunk: Buffer) => Promise<void> | undefined;
  readBytes?: number;
  pollMs?: number;
}

/** Resolves once everything written to `file` after `from` until `ended` has been handed to `onChunk`. */
export async function followLog(file: string, options: FollowOptions): Promise<void> {
  const readBytes = options.readBytes ?? FOLLOW_READ_BYTES;
  let ended = false;
  const end = options.ended.then(() => void (ended = true), () => void (ended = true));
  const handle = await open(file, "r");
  try {
    let offset = options.from;
    // Two buffers in turn, one handed on while the other is read into: relaying allocates nothing.
    const buffers = [Buffer.allocUnsafe(readBytes), Buffer.allocUnsafe(readBytes)] as const;
    let turn = 0;
    // `ended` is noted when a read starts: one that started after the end and comes back empty has seen everything.
    const read = (at: number): Promise<{ chunk: Buffer; last: boolean }> => {
      const last = ended;
      const buffer = turn++ % 2 === 0 ? buffers[0] : buffers[1];
      const reading = handle.read(buffer, 0, readBytes, at).then(({ bytesRead }) => ({ chunk: buffer.subarray(0, bytesRead), last }));
      // Awaited later, maybe after a slow reader's wait: a failed read must not count as unhandled meanwhile.
      reading.catch(() => undefined);
      return reading;
    };
    let next = read(offset);
    for (;;) {
      const { chunk, last } = await next;
      if (chunk.length > 0) {
        offset += chunk.length;
        next = read(offset);
        await options.onChunk(chunk);
        continue;
      }
      if (last) return;
      await Promise.race([end, new Promise((resolve) => setTimeout(resolve, options.pollMs ?? FOLLOW_POLL_MS))]);
      next = read(offset);
    }
  } finally {
    await handle.close();
  }
}
