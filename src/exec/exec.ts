// The only wrapper around child processes. Commands are argv arrays, never shell strings.
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Text written to the child's stdin, then closed. Without it stdin is /dev/null. */
  input?: string;
  /**
   * Called with each chunk of output as it arrives, as bytes: a build's output is relayed without
   * decoding it. A returned promise pauses reading that pipe until it settles, so a slow reader (the
   * log's disk, a terminal) slows the child through its full pipe instead of filling our memory.
   */
  onStdout?: OutputHandler;
  onStderr?: OutputHandler;
  /**
   * An open file (a step's log) given to the child as its stdout and stderr: it writes there at the speed
   * of the disk, and its output never passes through binpkgbot. This runner then calls neither handler;
   * an Exec that cannot hand a descriptor over (a test double) calls them with the output instead.
   */
  outputFd?: number;
  /** Keep the output in the result (default true). */
  capture?: boolean;
  /** Aborting sends SIGTERM, then SIGKILL after killGraceMs. */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Inherit the parent's stdio (interactive shells). */
  interactive?: boolean;
}

export type OutputHandler = (chunk: Buffer) => Promise<void> | undefined | void;

export interface ExecResult {
  argv: readonly string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A child process could not be started, or ended unsuccessfully where success was required. */
export class ExecError extends Error {
  override readonly name = "ExecError";
  constructor(
    message: string,
    readonly argv: readonly string[],
    readonly result?: ExecResult,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Exec {
  /** Runs argv; resolves with the result whatever the exit status; rejects only if it cannot start. */
  run(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

const EXIT_DRAIN_MS = 2_000;

export const nodeExec: Exec = {
  run(argv, options = {}) {
    const [file, ...args] = argv;
    if (file === undefined) return Promise.reject(new ExecError("empty argv", argv));
    return new Promise((resolve, reject) => {
      const capture = options.capture ?? true;
      const child = spawn(file, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: options.interactive ? "inherit" : [options.input === undefined ? "ignore" : "pipe", options.outputFd ?? "pipe", options.outputFd ?? "pipe"],
        detached: false,
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      const relay = createRelay();
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        child.kill("SIGTERM");
        killTimer = setTimeout(() => child.kill("SIGKILL"), options.killGraceMs ?? 10_000);
        killTimer.unref();
      };
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      relay.read(child.stdout, capture ? stdout : null, options.onStdout);
      relay.read(child.stderr, capture ? stderr : null, options.onStderr);
      // A child may exit without reading its input (gpg with an unknown key): that is its answer, not ours to crash on.
      child.stdin?.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE") void options.onStderr?.(Buffer.from(`binpkgbot: cannot write to ${file}: ${error.message}\n`));
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
      child.on("error", (error) => {
        options.signal?.removeEventListener("abort", onAbort);
        reject(new ExecError(`cannot run ${file}: ${error.message}`, argv, undefined, { cause: error }));
      });
      let settled = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (settled) return;
        settled = true;
        if (killTimer) clearTimeout(killTimer);
        options.signal?.removeEventListener("abort", onAbort);
        // Decoded once, whole: a chunk may end inside a multi-byte character.
        resolve({ argv, code, signal, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") });
      };
      // Chunks a handler has not had yet are still handed over before the result.
      child.on("close", (code, signal) => void relay.idle().then(() => finish(code, signal)));
      // A grandchild can keep the pipes open after the child exits (an orphaned container after a hard
      // kill of systemd-nspawn): do not wait for it longer than it takes to drain what is buffered.
      // Output still held back by a slow reader is not given up: the wait starts once it has caught up.
      child.on("exit", (code, signal) => {
        const drainLater = (): void => {
          setTimeout(() => {
            if (relay.waiting()) return drainLater();
            child.stdout?.destroy();
            child.stderr?.destroy();
            finish(code, signal);
          }, EXIT_DRAIN_MS).unref();
        };
        drainLater();
      });
    });
  },
};

/**
 * Reads pipes as bytes into the handlers, one chunk at a time: while a handler's promise is pending the
 * pipe is paused, and a chunk that comes all the same (Node resumes a child's pipes when it exits) waits
 * its turn.
 */
function createRelay(): {
  read: (stream: Readable | null, into: Buffer[] | null, handler?: OutputHandler) => void;
  waiting: () => boolean;
  idle: () => Promise<void>;
} {
  let busyStreams = 0;
  const onIdle: (() => void)[] = [];
  return {
    read(stream, into, handler) {
      if (!stream) return;
      const queue: Buffer[] = [];
      let busy = false;
      const hold = (wait: Promise<void>): void => {
        if (!busy) busyStreams += 1;
        busy = true;
        stream.pause();
        void wait.then(next, next);
      };
      const next = (): void => {
        for (let chunk = queue.shift(); chunk !== undefined; chunk = queue.shift()) {
          const wait = handler?.(chunk);
          if (wait) return hold(wait);
        }
        busy = false;
        busyStreams -= 1;
        stream.resume();
        if (busyStreams === 0) for (const resolve of onIdle.splice(0)) resolve();
      };
      stream.on("data", (chunk: Buffer) => {
        into?.push(chunk);
        if (busy) {
          queue.push(chunk);
          return void stream.pause();
        }
        const wait = handler?.(chunk);
        if (wait) hold(wait);
      });
    },
    waiting: () => busyStreams > 0,
    idle: () => (busyStreams === 0 ? Promise.resolve() : new Promise((resolve) => onIdle.push(resolve))),
  };
}

/** Runs argv and rejects with ExecError unless it exits 0. */
export async function runChecked(exec: Exec, argv: readonly string[], options?: ExecOptions): Promise<ExecResult> {
  const result = await exec.run(argv, options);
  if (result.code !== 0) {
    const detail = process.env.BINPKGBOT_DEBUG ? result.stderr.trim() : (result.stderr.trim().split("\n").slice(-1)[0] ?? "");
    const status = result.signal ? `killed by ${result.signal}` : `exit ${result.code}`;
    throw new ExecError(`${argv.join(" ")} failed (${status})${detail ? `: ${detail}` : ""}`, argv, result);
  }
  return result;
}
