// The daemon's status over HTTP, read-only: GET /health says it is alive, GET /status what it is doing,
// its last run and each task's last result from the state database. It never builds and never writes;
// it is separate from the binhost (src/server/binhost.ts), which publishes PKGDIR. /status names the
// config file, the tasks and their failures: beyond localhost it needs the dashboard's token, as the
// dashboard's reads do (src/dashboard/auth.ts); /health tells nothing more than that it answers.
// Given Redis (--redis), /status and the dashboard also show the fleet's workers from their heartbeats.
import http from "node:http";
import { isIP, type AddressInfo } from "node:net";
import type { ListenAddress } from "../config/config.js";
import type { WorkersAnswer } from "../fleet/queue/read-workers.js";
import { isAuthenticated, type Auth } from "../dashboard/auth.js";
import { answerDashboard, type DashboardOptions } from "../dashboard/dashboard-http.js";
import { createDashboard, refuseListen, type DashboardSettings } from "../dashboard/dashboard-server.js";
import { readHoldSync } from "../stage/hold.js";
import { stageLayout } from "../stage/layout-paths.js";
import { createStatusReader, type StatusReader, type StatusRows } from "./status-reader.js";

export interface StatusSource {
  /** Facts of the daemon itself: its config file, schedule, next tick, the run going on now. */
  daemon(): Record<string, unknown> & { current: unknown };
  /** Where the state database is (the config's state_dir, which a reload can change). */
  stateDir(): string;
  /** The config's stage, whose hold after a rollback /status shows. */
  stage?(): string;
  /** The releases directory, whose current release the dashboard shows. */
  releasesDir?(): string;
  /** PKGDIR, whose binpkgs' signatures the dashboard's packages show. */
  pkgdir?(): string;
  /** The dashboard's token and actions; none: a read-only dashboard without actions. */
  dashboard?: DashboardSettings;
  /** The fleet's workers (src/fleet/queue/read-workers.ts), given Redis; none: /status has no `workers`. */
  workers?(): Promise<WorkersAnswer>;
}

export interface RunningStatusServer {
  url: string;
  /** Set when the address is reachable from other hosts: says so and how to keep it local. */
  warning: string | null;
  close(): Promise<void>;
}

/** The status server could not listen (port in use, bad address); the message says which. */
export class StatusServerError extends Error {
  override readonly name = "StatusServerError";
}

// Node closes a keep-alive connection after this many requests; a client that pipelines past it loses
// the connection. At most this many connections are served at once: one client cannot hold the event loop.
export const MAX_REQUESTS_PER_SOCKET = 100;
export const MAX_CONNECTIONS = 64;

export function createStatusServer(source: StatusSource, listenHost: string, reader: StatusReader = createStatusReader()): http.Server {
  const dashboard = createDashboard(source, reader, source.dashboard ?? NO_ACTIONS, isLoopbackAddress(listenHost) || listenHost === "localhost");
  const routes: Routes = { source, listenHost, auth: dashboard.auth, statusText: statusTextOf(source, reader) };
  const server = http.createServer((req, res) => answerWithDashboard(req, res, routes, dashboard));
  server.maxRequestsPerSocket = MAX_REQUESTS_PER_SOCKET;
  server.maxConnections = MAX_CONNECTIONS;
  // Only a client that pipelines gets here: writing it thousands of 503s would hold the event loop.
  server.on("dropRequest", (_req, socket) => socket.destroy());
  server.on("close", () => reader.close());
  return server;
}

interface Routes {
  source: StatusSource;
  listenHost: string;
  /** Whether /status needs the token (beyond localhost), and the token. */
  auth: Auth;
  /** The body of GET /status. */
  statusText(): Promise<string>;
}

const json = (body: unknown): string => `${JSON.stringify(body, null, 2)}\n`;

const NO_ACTIONS: DashboardSettings = {
  tokenFile: null,
  log: () => undefined,
  runNow: () => Promise.resolve("nothing here starts runs"),
};

/** The dashboard's paths first (src/dashboard/), then /health and /status; a misdirected Host gets neither. */
function answerWithDashboard(req: http.IncomingMessage, res: http.ServerResponse, routes: Routes, dashboard: DashboardOptions): void {
  if (!isAllowedHost(req.headers.host, routes.listenHost)) return answer(req, res, routes);
  answerDashboard(req, res, dashboard).then((done) => done || answer(req, res, routes)).catch((error: unknown) => {
    if (res.headersSent) return res.destroy();
    res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
    res.end(json({ ok: false, error: (error as Error).message }));
  });
}

const STATUS_NEEDS_TOKEN = "this status server listens beyond localhost: /status needs the token of dashboard.token_file (send Authorization: Bearer TOKEN)";

function answer(req: http.IncomingMessage, res: http.ServerResponse, { source, listenHost, auth, statusText }: Routes): void {
  const send = (status: number, text: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text), ...headers });
    res.end(req.method === "HEAD" ? undefined : text);
  };
  if (!isAllowedHost(req.headers.host, listenHost)) return send(421, json({ ok: false, error: misdirected(req.headers.host ?? "", listenHost, req.socket.localPort) }));
  if (req.method !== "GET" && req.method !== "HEAD") return send(405, json({ ok: false, error: "read-only: only GET and HEAD" }), { allow: "GET, HEAD" });
  const path = (req.url ?? "/").split("?")[0];
  try {
    if (path === "/health") return send(200, json({ ok: true, pid: process.pid, uptimeSeconds: Math.round(process.uptime()), running: source.daemon().current !== null }));
    if (path === "/status" && auth.readNeedsToken && !isAuthenticated(req, auth)) return send(401, json({ ok: false, error: STATUS_NEEDS_TOKEN }), { "www-authenticate": "Bearer" });
    if (path === "/status") {
      statusText().then((text) => send(200, text), (error: unknown) => send(500, json({ ok: false, error: (error as Error).message })));
      return;
    }
    send(404, json({ ok: false, error: `no ${path}: try /health or /status` }));
  } catch (error) {
    send(500, json({ ok: false, error: (error as Error).message }));
  }
}

/**
 * Keeps the last body: most requests come before anything changed, and writing every task's JSON was
 * most of their cost. The workers' answer is the reader's shared one, so it changes at most once a second.
 */
function statusTextOf(source: StatusSource, reader: StatusReader): () => Promise<string> {
  let last: { rows: StatusRows; facts: string; workers: WorkersAnswer | null; text: string } | null = null;
  return async () => {
    const workers = source.workers ? await source.workers() : null;
    const stateDir = source.stateDir();
    const daemon = source.daemon();
    const stageHold = source.stage ? readHoldSync(stageLayout(source.stage())) : null;
    const facts = JSON.stringify([daemon, stateDir, stageHold]);
    const rows = reader.read(stateDir);
    if (last?.rows !== rows || last.facts !== facts || last.workers !== workers) {
      last = { rows, facts, workers, text: json({ ok: true, ...daemon, stateDir, stageHold, ...rows, ...workers }) };
    }
    return last.text;
  };
}

/**
 * A page of another site whose name a DNS-rebinding attack points at this address sends its own name
 * in Host: only IP literals, localhost and the listen address's own name are served.
 */
export function isAllowedHost(header: string | undefined, listenHost: string): boolean {
  // HTTP/1.0 clients send no Host; browsers always do.
  if (header === undefined) return true;
  const name = hostName(header);
  return isIP(name) !== 0 || name === "localhost" || name === listenHost.toLowerCase().replace(/\.$/, "");
}

/** The name in a Host header, without port, brackets or a final dot, lower case. */
function hostName(header: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(header);
  const name = bracketed ? (bracketed[1] ?? "") : header.replace(/:\d*$/, "");
  return name.toLowerCase().replace(/\.$/, "");
}

function misdirected(header: string, listenHost: string, port: number | undefined): string {
  const own = isIP(listenHost) === 6 ? `[${listenHost}]` : listenHost;
  return `Host '${header.slice(0, 100)}' is not this status server's address: ask for http://${own}:${port ?? "PORT"}/status (other names are refused against DNS rebinding)`;
}

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback stay on this host; every other address does not. */
export function isLoopbackAddress(address: string): boolean {
  return /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address) || address === "::1";
}

export async function startStatusServer(listen: ListenAddress, source: StatusSource): Promise<RunningStatusServer> {
  const refused = refuseListen(listen.host, source.dashboard?.tokenFile ?? null, isLoopbackAddress);
  if (refused !== null) throw new StatusServerError(refused);
  let server: http.Server;
  try {
    server = createStatusServer(source, listen.host);
  } catch (error) {
    throw new StatusServerError((error as Error).message, { cause: error });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new StatusServerError(
      `the status server cannot listen on ${listen.host}:${listen.port}: ${error.message}; choose another status_listen, or false to turn it off`,
      { cause: error },
    )));
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  return {
    url,
    warning: isLoopbackAddress(address.address) ? null
      : `the status server listens on ${url}, which other hosts can reach: /health to anyone, /status, the dashboard's data and /metrics to whoever has the dashboard's token; set status_listen: 127.0.0.1:${address.port} unless that is meant`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
