// The worker's requests to the coordinator: bearer token, HTTPS (with the admin's CA file for a
// self-signed coordinator) or plain HTTP on loopback. Bodies and answers are streams.
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { checkCoordinatorUrl } from "./transfer-routes.js";

export interface CoordinatorConnection {
  /** https://HOST:PORT (http:// on loopback, or anywhere with allowPlainHttp). */
  url: string;
  token: string;
  /** PEM file of the CA that signed the coordinator's certificate, when not a system-trusted one. */
  caFile?: string;
  allowPlainHttp?: boolean;
}

/** A request to the coordinator failed, or it answered with an error; the message is its own where it gave one. */
export class CoordinatorError extends Error {
  override readonly name = "CoordinatorError";
  constructor(message: string, readonly status: number | null, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface TransferClient {
  /** Resolves with the answer once its headers arrive; an error status rejects with the coordinator's message. */
  request(method: string, path: string, options?: { headers?: Record<string, string>; body?: Readable }): Promise<http.IncomingMessage>;
  json<T>(path: string): Promise<T>;
}

export async function createTransferClient(connection: CoordinatorConnection): Promise<TransferClient> {
  const problem = checkCoordinatorUrl(connection.url, connection.allowPlainHttp ?? false);
  if (problem !== null) throw new CoordinatorError(problem, null);
  const base = new URL(connection.url);
  const ca = connection.caFile === undefined ? undefined : await readFile(connection.caFile);
  const request: TransferClient["request"] = (method, path, options = {}) => new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const headers = { authorization: `Bearer ${connection.token}`, ...options.headers };
    const send = url.protocol === "https:" ? https.request : http.request;
    const req = send(url, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      if ((res.statusCode ?? 500) < 400) return resolve(res);
      void errorOf(res, `${method} ${url.pathname}`).then(reject);
    });
    req.on("error", (error) => reject(new CoordinatorError(`${method} ${url.href}: ${error.message}; check that the coordinator runs and the URL is right`, null, { cause: error })));
    if (options.body) {
      options.body.on("error", (error) => req.destroy(error));
      options.body.pipe(req);
    } else req.end();
  });
  return {
    request,
    async json<T>(path: string): Promise<T> {
      const res = await request("GET", path);
      return JSON.parse(await readText(res)) as T;
    },
  };
}

async function readText(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function errorOf(res: http.IncomingMessage, what: string): Promise<CoordinatorError> {
  const text = await readText(res).catch(() => "");
  let message = text.trim();
  try {
    message = (JSON.parse(text) as { error?: string }).error ?? message;
  } catch {
    // Not JSON (a reverse proxy's page): its text says what it can.
  }
  return new CoordinatorError(`${what}: the coordinator answered ${res.statusCode}: ${message || res.statusMessage || ""}`, res.statusCode ?? null);
}
