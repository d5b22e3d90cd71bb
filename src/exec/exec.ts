// The only wrapper around child processes. Commands are argv arrays, never shell strings.
import { spawn } from "node:child_process";

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Text written to the child's stdin, then closed. Without it stdin is /dev/null. */
  input?: string;
  /** Called with each chunk of output as it arrives. */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Keep the output in the result (default true). */
  capture?: boolean;
  /** Aborting sends SIGTERM, then SIGKILL after killGraceMs. */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Inherit the parent's stdio (interactive shells). */
  interactive?: boolean;
}

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
        stdio: options.interactive ? "inherit" : [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        detached: false,
      });
      let stdout = "";
      let stderr = "";
      let killTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        child.kill("SIGTERM");
        killTimer = setTimeout(() => child.kill("SIGKILL"), options.killGraceMs ?? 10_000);
        killTimer.unref();
      };
      if (options.signal?.aborted) onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
        if (capture) stdout += chunk;
        options.onStdout?.(chunk);
      });
      child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
        if (capture) stderr += chunk;
        options.onStderr?.(chunk);
      });
      // A child may exit without reading its input (gpg with an unknown key): that is its answer, not ours to crash on.
      child.stdin?.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE") options.onStderr?.(`binpkgbot: cannot write to ${file}: ${error.message}\n`);
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
        resolve({ argv, code, signal, stdout, stderr });
      };
      child.on("close", finish);
      // A grandchild can keep the pipes open after the child exits (an orphaned container after a hard
      // kill of systemd-nspawn): do not wait for it longer than it takes to drain what is buffered.
      child.on("exit", (code, signal) => {
        const drain = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
          finish(code, signal);
        }, EXIT_DRAIN_MS);
        drain.unref();
      });
    });
  },
};

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
