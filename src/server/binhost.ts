// The binhost: a read-only HTTP view of PKGDIR for Portage clients (see GENTOO.md "Clients of a
// binhost"). Which names may be served is decided in request-path.ts; this file adds what needs
// the disk: realpath containment, regular files only, no 0-byte placeholders, and streaming.
import { constants, type Stats } from "node:fs";
import { open, realpath, type FileHandle } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { formatAccessLine } from "./access-log.js";
import { decideRange, isNotModified, renderETag, renderLastModified } from "./http-conditional.js";
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
type Opened = { kind: "open"; handle: FileHandle; stats: Stats; contentType: string } | { kind: "refused"; reason: string };

interface Outcome {
  bytes: number | undefined;
  note?: string | undefined;
}

const ALLOWED_METHODS = "GET, HEAD";
const NOT_FOUND_ERRNOS = new Set(["ENOENT", "ENOTDIR", "ELOOP", "EACCES", "EISDIR", "ENAMETOOLONG"]);

export function createBinhostServer(options: BinhostOptions): http.Server {
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
    respond(req, res, options)
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

async function respond(req: http.IncomingMessage, res: http.ServerResponse, options: BinhostOptions): Promise<Outcome> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendStatus(res, 405, { Allow: ALLOWED_METHODS });
    return { bytes: undefined, note: "method not allowed" };
  }
  const decision = resolveRequestPath(options.pkgdir, req.url ?? "", { publicKey: options.publicKeyPath !== undefined });
  const opened = await openDecision(decision, options);
  if (opened.kind === "refused") {
    sendStatus(res, 404);
    return { bytes: undefined, note: opened.reason };
  }
  return sendFile(req, res, opened);
}

async function openDecision(decision: PathDecision, options: BinhostOptions): Promise<Opened> {
  switch (decision.kind) {
    case "refuse":
      return { kind: "refused", reason: decision.reason };
    case "public-key":
      return openRegularFile(options.publicKeyPath!, decision.contentType, false);
    case "file": {
      const contained = await realpathInside(options.pkgdir, decision.absPath);
      if (typeof contained !== "string") return contained;
      const isBinpkg = decision.served === "gpkg" || decision.served === "xpak";
      return openRegularFile(contained, decision.contentType, isBinpkg);
    }
  }
}

/** Resolves symlinks and refuses any target outside PKGDIR or onto a hidden or temporary name. */
async function realpathInside(pkgdir: string, absPath: string): Promise<string | Opened> {
  try {
    const root = await realpath(pkgdir);
    const real = await realpath(absPath);
    if (!real.startsWith(root + sep)) return { kind: "refused", reason: "resolves outside PKGDIR" };
    if (isHiddenOrTemporary(relative(root, real))) return { kind: "refused", reason: "resolves to a hidden or temporary file" };
    return real;
  } catch (error) {
    if (isNotFound(error)) return { kind: "refused", reason: "no such file" };
    throw error;
  }
}

async function openRegularFile(path: string, contentType: string, refuseEmpty: boolean): Promise<Opened> {
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: the path was just resolved; a symlink swapped in since is refused, not followed.
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (isNotFound(error)) return { kind: "refused", reason: "no such file" };
    throw error;
  }
  const stats = await handle.stat();
  // A build killed while packaging leaves a 0-byte placeholder from BUILD_ID allocation
  // (bintree.py _allocate_filename_multi opens the name with mode "x").
  const reason = !stats.isFile() ? "not a regular file" : refuseEmpty && stats.size === 0 ? "0-byte placeholder" : undefined;
  if (reason !== undefined) {
    await handle.close();
    return { kind: "refused", reason };
  }
  return { kind: "open", handle, stats, contentType };
}

async function sendFile(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  file: Extract<Opened, { kind: "open" }>,
): Promise<Outcome> {
  const { handle, stats } = file;
  let streaming = false;
  try {
    const etag = renderETag(stats);
    const lastModified = renderLastModified(stats);
    const validators = { ETag: etag, "Last-Modified": lastModified, "Accept-Ranges": "bytes" };
    const conditional = { ifNoneMatch: req.headers["if-none-match"], ifModifiedSince: req.headers["if-modified-since"] };
    if (isNotModified(conditional, etag, stats)) {
      sendStatus(res, 304, validators);
      return { bytes: undefined };
    }
    const range = decideRange(header(req, "range"), header(req, "if-range"), { etag, lastModified }, stats.size);
    if (range.kind === "unsatisfiable") {
      sendStatus(res, 416, { ...validators, "Content-Range": `bytes */${stats.size}` });
      return { bytes: undefined, note: `unsatisfiable range ${header(req, "range")}` };
    }
    const [start, end] = range.kind === "partial" ? [range.start, range.end] : [0, stats.size - 1];
    const length = end - start + 1;
    res.writeHead(range.kind === "partial" ? 206 : 200, {
      ...validators,
      "Content-Type": file.contentType,
      "Content-Length": length,
      ...(range.kind === "partial" ? { "Content-Range": `bytes ${start}-${end}/${stats.size}` } : {}),
    });
    if (req.method === "HEAD" || length === 0) {
      res.end();
      return { bytes: req.method === "HEAD" ? undefined : 0 };
    }
    streaming = true;
    return await streamBody(handle, res, start, end);
  } finally {
    if (!streaming) await handle.close();
  }
}

/** Streams with backpressure; the read stream closes the handle when it ends or fails. */
async function streamBody(handle: FileHandle, res: http.ServerResponse, start: number, end: number): Promise<Outcome> {
  const stream = handle.createReadStream({ start, end, autoClose: true, highWaterMark: 256 * 1024 });
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
