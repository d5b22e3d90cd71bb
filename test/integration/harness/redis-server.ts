// A real redis-server for a test: on a free port of 127.0.0.1, its data in a temporary directory,
// with `maxmemory-policy noeviction` as BullMQ requires; optionally with an append-only file (to
// survive a restart) and a password or an ACL user. Stopped, and its directory removed, by stop().
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export interface RedisServerOptions {
  /** appendonly yes, fsync every write: a restart keeps every job. */
  persistent?: boolean;
  /** requirepass: the default user's password. */
  password?: string;
  /** An ACL user with this name and password that may do everything; the default user is turned off. */
  user?: { name: string; password: string };
}

export interface TestRedis {
  port: number;
  /** redis://[user:password@]127.0.0.1:PORT */
  url: string;
  /** Stops the server (SIGKILL unless `graceful`) and starts it again on the same port and directory. */
  restart(options?: { graceful?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

function argv(port: number, dir: string, options: RedisServerOptions): string[] {
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--maxmemory-policy", "noeviction"];
  args.push("--appendonly", options.persistent ? "yes" : "no");
  if (options.persistent) args.push("--appendfsync", "always");
  if (options.password !== undefined) args.push("--requirepass", options.password);
  if (options.user !== undefined) args.push("--user", "default", "off", "--user", options.user.name, "on", `>${options.user.password}`, "~*", "&*", "+@all");
  return args;
}

async function startProcess(port: number, dir: string, options: RedisServerOptions): Promise<ChildProcess> {
  const child = spawn("redis-server", argv(port, dir, options), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.setEncoding("utf8");
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${output}`)), 10_000);
    child.stdout?.on("data", (chunk: string) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
  });
  child.stdout?.resume();
  return child;
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill(signal);
  await exited;
}

export async function startRedis(options: RedisServerOptions = {}): Promise<TestRedis> {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-redis-"));
  const port = await freePort();
  let child = await startProcess(port, dir, options);
  const auth = options.user ? `${options.user.name}:${encodeURIComponent(options.user.password)}@` : options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : "";
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    async restart({ graceful = false, downMs = 1000 } = {}) {
      await stopProcess(child, graceful ? "SIGTERM" : "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, downMs));
      child = await startProcess(port, dir, options);
    },
    async stop() {
      await stopProcess(child, "SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
}
