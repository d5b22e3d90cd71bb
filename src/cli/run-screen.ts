// Where a run's lines go: a plain stream (a pipe, a file, journald) gets the lines and nothing else; a
// terminal also gets the live block of running tasks under them, redrawn in place. Both batch their
// writes and tell the engine when the reader is behind (then the steps' pipes are not read meanwhile).
import { once } from "node:events";
import { renderLiveBlock, type RunningTask } from "./live-block.js";

export interface RunScreen {
  /** Whole lines, each ending in a newline; copied, so the caller may reuse the buffer at once. */
  write(lines: Buffer | string): void;
  /** The running tasks changed (started, ended, printed): the terminal redraws its block. */
  running(tasks: readonly RunningTask[]): void;
  /** Null while the reader keeps up; else when it has room again. */
  room(): Promise<void> | null;
  /** Writes what is pending and removes the block; the summary follows. */
  close(): void;
}

/** Bytes queued for a reader beyond which the steps wait for it. */
const MAX_QUEUED = 1024 * 1024;

/**
 * Node writes to a pipe on stdout synchronously (process.stdout, "A note on process I/O"): a slow reader
 * (journald, a CI runner) would stall the whole process, and with it the reading of the steps' pipes.
 * Writes through libuv's queue instead keep their order and let the steps' output be read meanwhile;
 * `room()` bounds the queue.
 */
export function writeAsynchronously(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  const handle = (stream as { _handle?: { setBlocking?: (blocking: boolean) => number } })._handle;
  if (stream.writable && !stream.isTTY) handle?.setBlocking?.(false);
  return stream;
}

/** Lines gathered into one write: a build's output comes in pieces of any size, often 4 KiB. */
const BATCH_BYTES = 256 * 1024;
/**
 * Batch buffers kept for reuse once written: enough for what `room()` lets queue plus the lines written
 * before it is asked again (a followed log comes in pieces of up to 512 KiB), so that relaying allocates nothing.
 */
const KEPT_BATCHES = (4 * MAX_QUEUED) / BATCH_BYTES;

/**
 * A reader that fell behind is written to again once the queue is down to this, not empty: what is
 * queued keeps it busy while the next lines are made, so it never waits for binpkgbot.
 */
const LOW_QUEUED = MAX_QUEUED / 4;

export function createPlainScreen(stream: NodeJS.WritableStream & { writableLength?: number }): RunScreen {
  let closed = false;
  const free: Buffer[] = [];
  let batch: Buffer | null = null;
  let used = 0;
  let scheduled = false;
  let waiting: (() => void)[] = [];
  const release = (): void => {
    const resolved = waiting;
    waiting = [];
    for (const resolve of resolved) resolve();
  };
  stream.on("error", () => {
    closed = true;
    release();
  });
  // Someone else's write may be the last in the queue: its drain releases too, as does the end of the stream.
  stream.on("drain", release);
  stream.on("close", release);
  const written = (full: Buffer): void => {
    if (free.length < KEPT_BATCHES) free.push(full);
    if ((stream.writableLength ?? 0) <= LOW_QUEUED) release();
  };
  const flush = (): void => {
    scheduled = false;
    const full = batch;
    if (full === null || used === 0) return;
    const bytes = full.subarray(0, used);
    batch = null;
    used = 0;
    // The stream holds the batch until written; then it is filled again.
    if (!closed) stream.write(bytes, () => written(full));
  };
  const drained = (): Promise<void> => new Promise((resolve) => waiting.push(resolve));
  return {
    write: (lines) => {
      const bytes = typeof lines === "string" ? Buffer.from(lines) : lines;
      for (let from = 0; from < bytes.length;) {
        batch ??= free.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
        const copied = bytes.copy(batch, used, from);
        used += copied;
        from += copied;
        if (used === batch.length) flush();
      }
      if (!scheduled && used > 0) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    running: () => undefined,
    room: () => (!closed && (stream.writableLength ?? 0) > MAX_QUEUED ? drained() : null),
    // What is queued after the flush goes out before anything written to the stream later.
    close: flush,
  };
}

/** Redraws at most this often; lines that come in between go out together, unless this many bytes wait. */
const REDRAW_MS = 100;
const MAX_PENDING = 256 * 1024;

export function createTerminalScreen(stream: NodeJS.WriteStream, clock: () => number): RunScreen {
  let closed = false;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tasks: readonly RunningTask[] = [];
  let shown = 0;
  let redraw: NodeJS.Timeout | undefined;
  stream.on("error", () => (closed = true));
  const draw = (withBlock: boolean): void => {
    clearTimeout(redraw);
    redraw = undefined;
    if (closed) return;
    // Up to the block's first line, erase to the end of the screen, print, then the block anew.
    const block = withBlock ? renderLiveBlock({ tasks, now: clock(), width: stream.columns || 80 }) : [];
    const erase = shown > 0 ? `\x1b[${shown}F\x1b[J` : "";
    stream.write(Buffer.concat([Buffer.from(erase), ...pending, Buffer.from(block.map((line) => `${line}\n`).join(""))]));
    pending = [];
    pendingBytes = 0;
    shown = block.length;
  };
  const later = (): void => {
    redraw ??= setTimeout(() => draw(true), REDRAW_MS);
  };
  // While tasks run, their elapsed times tick.
  const tick = setInterval(() => tasks.length > 0 && later(), 1000);
  return {
    write: (lines) => {
      const bytes = Buffer.from(lines);
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes > MAX_PENDING) draw(true);
      else later();
    },
    running: (now) => {
      tasks = now;
      later();
    },
    room: () => (!closed && (stream.writableLength ?? 0) > MAX_QUEUED ? once(stream, "drain").then(() => undefined, () => undefined) : null),
    close: () => {
      clearInterval(tick);
      draw(false);
    },
  };
}

/** Over a function that takes one line at a time (tests, and a context without streams). */
export function createLineScreen(writeLine: (line: string) => void): RunScreen {
  return {
    write: (lines) => {
      for (const line of lines.toString().split("\n").slice(0, -1)) writeLine(line);
    },
    running: () => undefined,
    room: () => null,
    close: () => undefined,
  };
}

/** A terminal that understands cursor movement: not TERM=dumb (Emacs shells, some CI logs). */
function isTerminal(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env.TERM !== "dumb";
}

type Streams = { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };

/**
 * The steps' lines go to stdout (with --json, stdout holds the document alone: to stderr), notices and
 * warnings to stderr. On a terminal the steps' screen shows the live block; where stderr is that
 * terminal too, notices go through the same screen so that they do not break the block. Off a terminal
 * (journald, CI, a pipe) only the lines go out, without a control code.
 */
export function openRunScreens(
  streams: Streams | null, lines: { stdout: (line: string) => void; stderr: (line: string) => void },
  options: { json: boolean; env: NodeJS.ProcessEnv; clock: () => number },
): { steps: RunScreen; notices: RunScreen } {
  if (streams === null) return { steps: createLineScreen(options.json ? lines.stderr : lines.stdout), notices: createLineScreen(lines.stderr) };
  const stepsStream = options.json ? streams.stderr : streams.stdout;
  if (!isTerminal(stepsStream, options.env)) return { steps: createPlainScreen(writeAsynchronously(stepsStream)), notices: createPlainScreen(streams.stderr) };
  const steps = createTerminalScreen(stepsStream, options.clock);
  return { steps, notices: isTerminal(streams.stderr, options.env) ? steps : createPlainScreen(streams.stderr) };
}
