// A client that sends its requests and then half-closes (shutdown(SHUT_WR), as `nc -N` or a
// script piping a request into a socket does) still gets every answer, and the connection ends
// once they are sent. Node's HTTP server ends the socket on the client's FIN unless
// httpAllowHalfOpen is set (lib/_http_server.js, socketOnEnd), which dropped every answer that
// was not written synchronously: all of the binhost's are, since they wait for a file to open.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { startBinhost } from "../../src/server/binhost.js";
import { waitFor } from "./harness/nspawn-process.js";

let work: string;
let pkgdir: string;
const BINPKG = "app-misc/hello/hello-1-1.gpkg.tar";
const SIZE = 300_000;

before(() => {
  work = mkdtempSync(join(tmpdir(), "binpkgbot-half-close-"));
  pkgdir = join(work, "pkgdir");
  mkdirSync(join(pkgdir, "app-misc/hello"), { recursive: true });
  writeFileSync(join(pkgdir, "Packages"), "VERSION: 0\nPACKAGES: 0\n\n");
  writeFileSync(join(pkgdir, BINPKG), Buffer.alloc(SIZE, 3));
});

after(() => rmSync(work, { recursive: true, force: true }));

function openFilesBelow(dir: string): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) count++;
    } catch {
      // closed while listing
    }
  }
  return count;
}

/** Sends `requests`, half-closes, and reads until the server ends the connection (bounded by `ms`). */
function sendAndHalfClose(port: number, requests: string, ms: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => socket.end(requests));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not end the connection within ${ms} ms`));
    }, ms);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

const get = (target: string): string => `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;

it("a client that half-closes after pipelining three requests gets all three answers, whole, then the end", async () => {
  const binhost = await startBinhost({ pkgdir, log: () => {} });
  try {
    const port = Number(new URL(binhost.url).port);
    const received = await sendAndHalfClose(port, get(`/${BINPKG}`) + get("/Packages") + get(`/${BINPKG}`), 5_000);
    const text = received.toString("latin1");
    assert.deepEqual([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ["200", "200", "200"]);
    assert.ok(received.length > 2 * SIZE, `${received.length} bytes received, two binpkgs of ${SIZE} expected`);
    // The last answer's file is closed as its stream ends, asynchronously: under load that can come
    // just after the socket's close reached the client.
    await waitFor("every file below PKGDIR to be closed", async () => openFilesBelow(pkgdir) === 0, 5_000);
  } finally {
    await binhost.close();
  }
});
