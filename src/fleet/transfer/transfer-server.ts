// A listening server for the transfer handler, for a coordinator that does not mount it into another
// one: HTTPS with the admin's certificate and key, or plain HTTP on loopback (behind a TLS-terminating
// reverse proxy), or plain HTTP beyond loopback only when the admin allows it explicitly.
import { readFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { TransferHandler } from "./transfer-handler.js";
import { isLoopbackHost } from "./transfer-routes.js";

export interface TransferServerOptions {
  handler: TransferHandler;
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string };
  allowPlainHttp?: boolean;
}

export interface TransferServer {
  url: string;
  close(): Promise<void>;
}

export class TransferServerError extends Error {
  override readonly name = "TransferServerError";
}

export async function startTransferServer(options: TransferServerOptions): Promise<TransferServer> {
  if (!options.tls && !isLoopbackHost(options.host) && !options.allowPlainHttp) {
    throw new TransferServerError(`the transfer server would listen on ${options.host} without TLS: give a certificate and key, listen on 127.0.0.1 behind a TLS reverse proxy, or allow plain HTTP explicitly`);
  }
  const listener: http.RequestListener = (req, res) => {
    void options.handler(req, res).then((handled) => {
      if (!handled) res.writeHead(404, { "content-type": "application/json" }).end(`${JSON.stringify({ error: `no such path ${req.url ?? ""}: transfers are under /fleet/` })}\n`);
    }, (error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(`${JSON.stringify({ error: (error as Error).message })}\n`);
    });
  };
  const server = options.tls
    ? https.createServer({ cert: await readTlsFile(options.tls.certFile), key: await readTlsFile(options.tls.keyFile) }, listener)
    : http.createServer(listener);
  // Streams take as long as they take; a stalled peer is cut by the socket timeout instead.
  server.requestTimeout = 0;
  server.setTimeout(10 * 60_000);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? "https" : "http"}://${host}:${port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

async function readTlsFile(file: string): Promise<Buffer> {
  return readFile(file).catch((error: Error) => {
    throw new TransferServerError(`cannot read ${file} for TLS: ${error.message}; give PEM files of the certificate and its key`);
  });
}
