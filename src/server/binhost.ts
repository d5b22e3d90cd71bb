// The binhost: a read-only HTTP view of PKGDIR for Portage clients (see GENTOO.md "Clients of a
// binhost"). Which names may be served is decided in request-path.ts; how a file is opened without
// races below PKGDIR in open-beneath.ts; what one client may hold in binhost-limits.ts and
// connection-guard.ts. This file answers and streams.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { formatAccessLine } from "./access-log.js";
import { DEFAULT_LIMITS, type BinhostLimits } from "./binhost-limits.js";
import { limitConnectionsPerAddress, oneRequestAtATime } from "./connection-guard.js";
import { factsFromStats, planFileResponse, type FileResponsePlan } from "./http-conditional.js";
import type { CachedIndex } from "./index-cache.js";
import { openRegularFile, type Opened } from "./open-beneath.js";
import { ReleaseRoots, type ServedRoot } from "./release-roots.js";
import { isReportTarget, type ReportReceiver } from "./report-endpoint.js";
import { resolveRequestPath } from "./request-path.js";
import { routeSite, type SiteRoute } from "./site-prefix.js";

/** One PKGDIR the binhost publishes, with its releases, its public key and its reports. */
export interface BinhostSite {
  /** The PKGDIR to publish (`Packages`, `Packages.gz` and the binpkgs below it). */
  pkgdir: string;
  /** An armored public key served at PUBLIC_KEY_URL_PATH (`/binhost-key.asc`). */
  publicKeyPath?: string | undefined;
  /** PKGDIR's releases (src/releases/): once one exists, the current release is served instead of PKGDIR. */
  releasesDir?: string | undefined;
  /** Answers POST /report/NAME (servers that report themselves); without it those paths are 404. */
  reports?: ReportReceiver | undefined;
}

interface BinhostCommon {
  /** Receives one access-log line per request. */
  log: (line: string) => void;
  /** Over DEFAULT_LIMITS. */
  limits?: Partial<BinhostLimits> | undefined;
}

export interface BinhostOptions extends BinhostSite, BinhostCommon {}

/** Several sites on one binhost, each under /NAME/ (a fleet's targets), each served as one site is at /. */
export interface SitesBinhostOptions extends BinhostCommon {
  sites: ReadonlyMap<string, BinhostSite>;
}

export type StartBinhostOptions = (BinhostOptions | SitesBinhostOptions) & {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
};

export interface RunningBinhost {
  url: string;
  close(): Promise<void>;
}

/** The binhost could not start listening (port in use, bad address). */
export class BinhostStartError extends Error {
  override readonly name = "BinhostStartError";
}

type OpenedFile = Extract<Opened, { kind: "opened" }>;

interface Site {
  options: BinhostSite;
  roots: ReleaseRoots;
}

interface Context {
  options: BinhostCommon;
  limits: BinhostLimits;
  /** The site that answers a request target, and the target within it. */
  route(target: string): SiteRoute<Site>;
  sites: readonly Site[];
}

interface Outcome {
  bytes: number | undefined;
  note?: string | undefined;
}

const ALLOWED_METHODS = "GET, HEAD";

export function createBinhostServer(options: BinhostOptions | SitesBinhostOptions): http.Server {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const site = (served: BinhostSite): Site => ({ options: served, roots: new ReleaseRoots(served.pkgdir, served.releasesDir) });
  const sites = "sites" in options ? new Map([...options.sites].map(([name, served]) => [name, site(served)])) : undefined;
  const single = "sites" in options ? undefined : site(options);
  const route = (target: string): SiteRoute<Site> => (single ? { kind: "site", site: single, target } : routeSite(target, sites!));
  const context: Context = { options, limits, route, sites: single ? [single] : [...sites!.values()] };
  const server = http.createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    // How often Node checks the headers timeout (30 s by default, which would stretch a short one).
    connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(limits.headersTimeoutMs / 4))),
  }, oneRequestAtATime(limits.maxPipelineDepth, (req, res) => handleRequest(req, res, context)));
  // A client that half-closes after its requests (`nc -N`) still gets the answers: by default
  // Node ends the socket on the client's FIN (lib/_http_server.js socketOnEnd), dropping every
  // answer not written synchronously, which is all of ours (they wait for a file to open).
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerConnection;
  // Socket inactivity: a write the client does not drain stops the writes, and after this long
  // Node destroys the socket (no 'timeout' listener), which aborts the response and its file.
  server.timeout = limits.sendTimeoutMs;
  limitConnectionsPerAddress(server, limits.maxConnectionsPerAddress);
  server.on("close", () => void Promise.all(context.sites.map((served) => served.roots.close())));
  return server;
}

function handleRequest(req: http.IncomingMessage, res: http.ServerResponse, context: Context): void {
  const { options } = context;
  const started = performance.now();
  // Read now: once the socket is closed its address is gone.
  const remote = req.socket.remoteAddress ?? "-";
  const target = req.url ?? "-";
  let outcome: Outcome = { bytes: undefined };
  // Log once both the response has closed and the handler has settled, whichever is later.
  let pending = 2;
  const done = (): void => {
    if (--pending > 0) return;
    options.log(
      formatAccessLine({
        remote,
        time: new Date(),
        method: req.method ?? "-",
        target,
        httpVersion: req.httpVersion,
        status: res.statusCode,
        bytes: outcome.bytes,
        durationMs: performance.now() - started,
        aborted: !res.writableFinished,
        note: outcome.note,
      }),
    );
  };
  res.once("close", done);
  respond(req, res, context)
    .then(
      (o) => (outcome = o),
      (error: unknown) => {
        outcome = { bytes: undefined, note: `internal error: ${String(error)}` };
        if (!res.headersSent) sendStatus(res, 500);
        else res.destroy();
      },
    )
    .finally(done);
}

export async function startBinhost(options: StartBinhostOptions): Promise<RunningBinhost> {
  const { host = "127.0.0.1", port = 0 } = options;
  const server = createBinhostServer(options);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (cause) => reject(new BinhostStartError(`cannot listen on ${host}:${port}: ${cause.message}`, { cause })));
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostPart}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function respond(req: http.IncomingMessage, res: http.ServerResponse, context: Context): Promise<Outcome> {
  const routed = context.route(req.url ?? "");
  if (routed.kind === "site" && routed.site.options.reports && isReportTarget(routed.target)) {
    // The receiver reads the server's name from the URL, as it would at the root.
    req.url = routed.target;
    return { bytes: undefined, note: (await routed.site.options.reports(req, res)).note };
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendStatus(res, 405, { Allow: ALLOWED_METHODS });
    return { bytes: undefined, note: "method not allowed" };
  }
  if (routed.kind === "refuse") return notFound(res, routed.reason);
  const { options, roots } = routed.site;
  const resolved = await roots.resolve(routed.target);
  if (resolved.kind === "refuse") return notFound(res, resolved.reason);
  const { served } = resolved;
  const decision = resolveRequestPath(served.dir, resolved.target, { publicKey: options.publicKeyPath !== undefined });
  if (decision.kind === "refuse") return notFound(res, decision.reason);
  if (decision.kind === "file" && (decision.served === "index" || decision.served === "index-gz")) {
    const index = await served.indexes.get(decision.relPath);
    if (!index) return notFound(res, "no such file");
    return sendIndex(req, res, index, decision.contentType);
  }
  let opened = decision.kind === "public-key" ? await openRegularFile(options.publicKeyPath!)
    : decision.kind === "repository-archive" ? await roots.openRepositoryArchive(served)
    : await served.root.open(decision.relPath);
  if (opened.kind === "refused" && decision.kind === "file" && resolved.older) opened = await openInOlder(await resolved.older(), decision.relPath, opened);
  if (opened.kind === "refused") return notFound(res, opened.reason);
  const isBinpkg = decision.kind === "file";
  return sendFile(req, res, opened, { contentType: decision.contentType, isBinpkg, sendBufferBytes: context.limits.sendBufferBytes });
}

/** A binpkg of a release that was current when the client read Packages (release-roots.ts). */
async function openInOlder(roots: ServedRoot[], relPath: string, refused: Opened): Promise<Opened> {
  for (const root of roots) {
    const opened = await root.root.open(relPath);
    if (opened.kind === "opened") return opened;
  }
  return refused;
}

function notFound(res: http.ServerResponse, reason: string): Outcome {
  sendStatus(res, 404);
  return { bytes: undefined, note: reason };
}

/**
 * Headers and bytes come from one open handle and its fstat, so they always describe the same
 * file even if Portage replaces it meanwhile; the handle is closed on every path, and by the
 * read stream once streaming has started (when the body ends, or the client goes away).
 */
async function sendFile(
  req: http.IncomingMessage, res: http.ServerResponse, file: OpenedFile, how: { contentType: string; isBinpkg: boolean; sendBufferBytes: number },
): Promise<Outcome> {
  let streaming = false;
  try {
    // A build killed while packaging leaves a 0-byte placeholder from BUILD_ID allocation
    // (bintree.py _allocate_filename_multi opens the name with mode "x").
    if (how.isBinpkg && file.stats.size === 0n) return notFound(res, "0-byte placeholder");
    const plan = planFileResponse(fileRequest(req), factsFromStats(file.stats), how.contentType);
    if (plan.kind === "no-body" || req.method === "HEAD" || plan.end < plan.start) return writeWithoutBody(res, plan);
    if (res.destroyed) return { bytes: undefined, note: "client gone before the body" };
    res.writeHead(plan.status, plan.headers);
    streaming = true;
    return await streamBody(file, res, plan, how.sendBufferBytes);
  } finally {
    if (!streaming) await file.handle.close();
  }
}

function sendIndex(req: http.IncomingMessage, res: http.ServerResponse, index: CachedIndex, contentType: string): Outcome {
  const plan = planFileResponse(fileRequest(req), index.facts, contentType);
  if (plan.kind === "no-body" || req.method === "HEAD") return writeWithoutBody(res, plan);
  res.writeHead(plan.status, plan.headers);
  res.end(index.body.subarray(plan.start, plan.end + 1));
  return { bytes: plan.end - plan.start + 1 };
}

function fileRequest(req: http.IncomingMessage) {
  return {
    ifNoneMatch: header(req, "if-none-match"),
    ifModifiedSince: header(req, "if-modified-since"),
    range: header(req, "range"),
    ifRange: header(req, "if-range"),
  };
}

function writeWithoutBody(res: http.ServerResponse, plan: FileResponsePlan): Outcome {
  if (plan.kind === "no-body") {
    sendStatus(res, plan.status, plan.headers);
    return { bytes: undefined, note: plan.status === 416 ? `unsatisfiable range ${header(res.req, "range")}` : undefined };
  }
  res.writeHead(plan.status, plan.headers);
  res.end();
  return { bytes: res.req.method === "HEAD" ? undefined : 0 };
}

/** Streams with backpressure; the read stream closes the handle when it ends, fails or is destroyed. */
async function streamBody(file: OpenedFile, res: http.ServerResponse, range: { start: number; end: number }, sendBufferBytes: number): Promise<Outcome> {
  const stream = file.handle.createReadStream({ start: range.start, end: range.end, autoClose: true, highWaterMark: sendBufferBytes });
  let bytes = 0;
  stream.on("data", (chunk: Buffer | string) => {
    bytes += chunk.length;
  });
  try {
    await pipeline(stream, res);
  } catch (error) {
    // The client hanging up mid-download is normal (Portage resumes later with Range).
    if ((error as NodeJS.ErrnoException).code !== "ERR_STREAM_PREMATURE_CLOSE") throw error;
  }
  return { bytes };
}

function sendStatus(res: http.ServerResponse, status: number, headers: Record<string, string> = {}): void {
  const body = status >= 400 ? `${http.STATUS_CODES[status] ?? "Error"}\n` : "";
  const bodyHeaders = body ? { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(body) } : {};
  res.writeHead(status, { ...headers, ...bodyHeaders });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}
