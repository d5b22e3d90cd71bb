// A child process whose stdin or stdout is a byte stream the caller pipes (btrfs send into an HTTP
// response, an HTTP request into btrfs receive, a lock holder kept alive by an open stdin).
// exec.ts runs children to completion with text in and out; this is its streaming sibling.
import { spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { ExecError } from "./exec.js";

export interface PipedChildResult {
  argv: readonly string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last 64 KiB of stderr, enough for the reason of a failure. */
  stderr: string;
}

export interface PipedChild {
  stdin: Writable;
  stdout: Readable;
  /** Settles when the child has exited and its pipes are closed; rejects only if it could not start. */
  done: Promise<PipedChildResult>;
  kill(signal?: NodeJS.Signals): void;
}

const STDERR_KEPT = 64 * 1024;

export function startPipedChild(argv: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): PipedChild {
  const [file, ...args] = argv;
  if (file === undefined) throw new ExecError("empty argv", argv);
  const child = spawn(file, args, { env: options.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = Buffer.alloc(0);
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = Buffer.concat([stderr, chunk]);
    if (stderr.length > STDERR_KEPT) stderr = stderr.subarray(stderr.length - STDERR_KEPT);
  });
  // A child that exits without reading all of its input is answered by its exit status, not by EPIPE.
  child.stdin.on("error", () => undefined);
  const done = new Promise<PipedChildResult>((resolve, reject) => {
    child.on("error", (error) => reject(new ExecError(`cannot run ${file}: ${error.message}`, argv, undefined, { cause: error })));
    child.on("close", (code, signal) => resolve({ argv, code, signal, stderr: stderr.toString("utf8") }));
  });
  return { stdin: child.stdin, stdout: child.stdout, done, kill: (signal = "SIGTERM") => void child.kill(signal) };
}

/** The last non-empty line of a child's stderr, or its exit status: the reason to put in a message. */
export function failureDetail(result: PipedChildResult): string {
  const line = result.stderr.trim().split("\n").filter(Boolean).at(-1);
  return line ?? (result.signal ? `killed by ${result.signal}` : `exit ${result.code}`);
}
