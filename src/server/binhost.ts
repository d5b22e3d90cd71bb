// The binhost: a read-only HTTP view of PKGDIR for Portage clients (see GENTOO.md "Clients of a
// binhost"). Which names may be served is decided in request-path.ts; this file adds what needs
// the disk: realpath containment, regular files only, no 0-byte placeholders, and streaming.
import { constants, type Stats } from "node:fs";
import { open, realpath, stat, type FileHandle } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { formatAccessLine } from "./access-log.js";
import { IndexCache, type CachedIndex } from "./index-cache.js";
import { planFileResponse, type FileResponsePlan } from "./http-conditional.js";
import { isHiddenOrTemporary, resolveRequestPath, type PathDecision } from "./request-path.js";

export interface BinhostOptions {
  /** The PKGDIR to publish (`Packages`, `Packages.gz` and the binpkgs below it). */
  pkgdir: string;
  /** Receives one access-log line per request. */
  log: (line: string) => void;
  /** An armored public key served at PUBLIC_KEY_URL_PATH (`/binhost-key.asc`). */
  publicKeyPath?: string | undefined;
}

export interface StartBinhostOptions extends BinhostOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
}

export interface RunningBinhost {
  url: string;
  close(): Promise<void>;
}

/** The binhost could not start listening (port in use, bad address). */
export class BinhostStartError extends Error {
  override readonly name = "BinhostStartError";
}

/** Served, or why not: the client sees 404 for every refusal, the log keeps the reason. */
type Found =
  | { kind: "found"; path: string; stats: Stats; contentType: string; isBinpkg: boolean }
  | { kind: "refused"; reason: string };

interface Outcome {
  bytes: number | undefined;
  note?: string | undefined;
}

const ALLOWED_METHODS = "GET, HEAD";
const NOT_FOUND_ERRNOS = new Set(["ENOENT", "ENOTDIR", "ELOOP", "EACCES", "EISDIR", "ENAMETOOLONG"]);

export function createBinhostServer(options: BinhostOptions): http.Server {
  const indexes = new IndexCache();
  const server = http.createServer((req, res) => {
    const started = performance.now();
    // Read now: once the socket is closed its address is gone.
    const remote = req.socket.remoteAddress ?? "-";
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
          target: req.url ?? "-",
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
    respond(req, res, options, indexes)
      .then(
        (o) => (outcome = o),
        (error: unknown) => {
          outcome = { bytes: undefined, note: `internal error: ${String(error)}` };
          if (!res.headersSent) sendStatus(res, 500);
          else res.destroy();
        },
      )
      .finally(done);
  });
  return server;
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

async function respond(req: http.IncomingMessage, res: http.ServerResponse, options: BinhostOptions, indexes: IndexCache): Promise<Outcome> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendStatus(res, 405, { Allow: ALLOWED_METHODS });
    return { bytes: undefined, note: "method not allowed" };
  }
  const decision = resolveRequestPath(options.pkgdir, req.url ?? "", { publicKey: options.publicKeyPath !== undefined });
  if (decision.kind === "file" && (decision.served === "index" || decision.served === "index-gz")) {
    const index = await indexes.get(decision.absPath);
    if (!index) {
      sendStatus(res, 404);
      return { bytes: undefined, note: "no such file" };
    }
    return sendIndex(req, res, index, decision.contentType);
  }
  const found = await findFile(decision, options);
  if (found.kind === "refused") {
    sendStatus(res, 404);
    return { bytes: undefined, note: found.reason };
  }
  return sendFile(req, res, found);
}

async function findFile(decision: PathDecision, options: BinhostOptions): Promise<Found> {
  switch (decision.kind) {
    case "refuse":
      return { kind: "refused", reason: decision.reason };
    case "public-key":
      return statRegularFile(options.publicKeyPath!, decision.contentType, false);
    case "file": {
      const contained = await realpathInside(options.pkgdir, decision.absPath);
      if (typeof contained !== "string") return contained;
      const isBinpkg = decision.served === "gpkg" || decision.served === "xpak";
      return statRegularFile(contained, decision.contentType, isBinpkg);
    }
  }
}

/** Resolves symlinks and refuses any target outside PKGDIR or onto a hidden or temporary name. */
async function realpathInside(pkgdir: string, absPath: string): Promise<string | Found> {
  try {
    const [root, real] = await Promise.all([realpath(pkgdir), realpath(absPath)]);
    if (!real.startsWith(root + sep)) return { kind: "refused", reason: "resolves outside PKGDIR" };
    if (isHiddenOrTemporary(relative(root, real))) return { kind: "refused", reason: "resolves to a hidden or temporary file" };
    return real;
  } catch (error) {
    if (isNotFound(error)) return { kind: "refused", reason: "no such file" };
    throw error;
  }
}

async function statRegularFile(path: string, contentType: string, isBinpkg: boolean): Promise<Found> {
  try {
    const found: Found = { kind: "found", path, stats: await stat(path), contentType, isBinpkg };
    return checkServable(found);
  } catch (error) {
    if (isNotFound(error)) return { kind: "refused", reason: "no such file" };
    throw error;
  }
}

function checkServable(found: Extract<Found, { kind: "found" }>): Found {
  if (!found.stats.isFile()) return { kind: "refused", reason: "not a regular file" };
  // A build killed while packaging leaves a 0-byte placeholder from BUILD_ID allocation
  // (bintree.py _allocate_filename_multi opens the name with mode "x").
  if (found.isBinpkg && found.stats.size === 0) return { kind: "refused", reason: "0-byte placeholder" };
  return found;
}

/**
 * Answers from the stat alone when there is no body (304, 416, HEAD), which is what most
 * index requests get. For a body the file is opened and the answer planned again from fstat,
 * so headers and bytes always describe the same file even if Portage replaced it meanwhile.
 */
async function sendFile(req: http.IncomingMessage, res: http.ServerResponse, found: Extract<Found, { kind: "found" }>): Promise<Outcome> {
  const request = fileRequest(req);
  const plan = planFileResponse(request, found.stats, found.contentType);
  if (plan.kind === "no-body" || req.method === "HEAD") return writeWithoutBody(res, plan);
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: the path is already resolved; a symlink swapped in since is refused.
    handle = await open(found.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    sendStatus(res, 404);
    return { bytes: undefined, note: "vanished before open" };
  }
  let streaming = false;
  try {
    const fresh = checkServable({ ...found, stats: await handle.stat() });
    if (fresh.kind === "refused") {
      sendStatus(res, 404);
      return { bytes: undefined, note: fresh.reason };
    }
    const body = planFileResponse(request, fresh.stats, found.contentType);
    if (body.kind === "no-body" || body.end < body.start) return writeWithoutBody(res, body);
    res.writeHead(body.status, body.headers);
    streaming = true;
    return await streamBody(handle, res, body.start, body.end);
  } finally {
    if (!streaming) await handle.close();
  }
}

function sendIndex(req: http.IncomingMessage, res: http.ServerResponse, index: CachedIndex, contentType: string): Outcome {
  const plan = planFileResponse(fileRequest(req), index.stats, contentType);
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

/** Streams with backpressure; the read stream closes the handle when it ends or fails. */
async function streamBody(handle: FileHandle, res: http.ServerResponse, start: number, end: number): Promise<Outcome> {
  const stream = handle.createReadStream({ start, end, autoClose: true, highWaterMark: 1024 * 1024 });
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

function isNotFound(error: unknown): boolean {
  return NOT_FOUND_ERRNOS.has((error as NodeJS.ErrnoException).code ?? "");
}
