// The daemon's status over HTTP, read-only: GET /health says it is alive, GET /status what it is doing,
// its last run and each task's last result from the state database. It never builds and never writes;
// it is separate from the binhost (src/server/binhost.ts), which publishes PKGDIR.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ListenAddress } from "../config/config.js";
import { readHoldSync } from "../stage/hold.js";
import { stageLayout } from "../stage/layout-paths.js";
import { openExistingStateDatabase } from "../state/database.js";

export interface StatusSource {
  /** Facts of the daemon itself: its config file, schedule, next tick, the run going on now. */
  daemon(): Record<string, unknown> & { current: unknown };
  /** Where the state database is (the config's state_dir, which a reload can change). */
  stateDir(): string;
  /** The config's stage, whose hold after a rollback /status shows. */
  stage?(): string;
}

export interface RunningStatusServer {
  url: string;
  close(): Promise<void>;
}

/** The status server could not listen (port in use, bad address); the message says which. */
export class StatusServerError extends Error {
  override readonly name = "StatusServerError";
}

export function createStatusServer(source: StatusSource): http.Server {
  return http.createServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      const text = `${JSON.stringify(body, null, 2)}\n`;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text), ...headers });
      res.end(req.method === "HEAD" ? undefined : text);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, { ok: false, error: "read-only: only GET and HEAD" }, { allow: "GET, HEAD" });
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (path === "/health") return send(200, { ok: true, pid: process.pid, uptimeSeconds: Math.round(process.uptime()), running: source.daemon().current !== null });
      if (path === "/status") return send(200, readStatus(source));
      send(404, { ok: false, error: `no ${path}: try /health or /status` });
    } catch (error) {
      send(500, { ok: false, error: (error as Error).message });
    }
  });
}

/** The state database is opened per request: readers never block the running build (WAL). */
function readStatus(source: StatusSource): Record<string, unknown> {
  const stateDir = source.stateDir();
  const db = openExistingStateDatabase(stateDir);
  try {
    const stageHold = source.stage ? readHoldSync(stageLayout(source.stage())) : null;
    return { ok: true, ...source.daemon(), stateDir, stageHold, lastRun: db?.lastRun() ?? null, tasks: db?.taskStatus() ?? [] };
  } finally {
    db?.close();
  }
}

export async function startStatusServer(listen: ListenAddress, source: StatusSource): Promise<RunningStatusServer> {
  const server = createStatusServer(source);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new StatusServerError(
      `the status server cannot listen on ${listen.host}:${listen.port}: ${error.message}; choose another status_listen, or false to turn it off`,
      { cause: error },
    )));
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
