// A real binhost on 127.0.0.1 over a temporary PKGDIR, asked what Portage clients ask
// (bintree.py: Packages with If-Modified-Since; BinpkgFetcher.py: files resumed with Range)
// and what an attacker asks. Traversal targets go over a raw socket so no client normalises them.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startBinhost, type RunningBinhost } from "../../src/server/binhost.js";

let work: string;
let pkgdir: string;
let binhost: RunningBinhost;
const logLines: string[] = [];
const PACKAGES = "VERSION: 0\nPACKAGES: 1\n\nCPV: dev-libs/libsigc++-2.12.1\nPATH: dev-libs/libsigc++/libsigc++-2.12.1-1.gpkg.tar\n";
const BINPKG = Buffer.alloc(100_000, 7).fill("binpkg", 0, 6);
const SIGC = "dev-libs/libsigc++/libsigc++-2.12.1-1.gpkg.tar";

before(async () => {
  work = mkdtempSync(join(tmpdir(), "binpkgbot-binhost-"));
  pkgdir = join(work, "pkgdir");
  mkdirSync(join(pkgdir, "dev-libs/libsigc++"), { recursive: true });
  mkdirSync(join(pkgdir, "app-misc/hello"), { recursive: true });
  mkdirSync(join(pkgdir, ".hidden/app-misc"), { recursive: true });
  writeFileSync(join(work, "secret.gpkg.tar"), "outside PKGDIR");
  writeFileSync(join(pkgdir, "Packages"), PACKAGES);
  utimesSync(join(pkgdir, "Packages"), 1_700_000_000, 1_700_000_000);
  writeFileSync(join(pkgdir, SIGC), BINPKG);
  writeFileSync(join(pkgdir, ".Packages.portage_lockfile"), "");
  writeFileSync(join(pkgdir, "Packagesk3j_9a2x"), PACKAGES);
  writeFileSync(join(pkgdir, "app-misc/hello/hello-1.0-1.gpkg.tar"), "");
  writeFileSync(join(pkgdir, "app-misc/hello/hello-1.0-2.gpkg.tar.partial"), "half");
  writeFileSync(join(pkgdir, "app-misc/hello/hello-1.0-3.gpkg.tar.4242abcdefgh"), "temp");
  writeFileSync(join(pkgdir, ".hidden/app-misc/x-1.gpkg.tar"), "hidden");
  symlinkSync(join(work, "secret.gpkg.tar"), join(pkgdir, "app-misc/hello/out-1.gpkg.tar"));
  symlinkSync("../../.Packages.portage_lockfile", join(pkgdir, "app-misc/hello/lock-1.gpkg.tar"));
  symlinkSync(`../../${SIGC}`, join(pkgdir, "app-misc/hello/alias-1.gpkg.tar"));
  binhost = await startBinhost({ pkgdir, log: (line) => logLines.push(line) });
});

after(async () => {
  await binhost.close();
  rmSync(work, { recursive: true, force: true });
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function request(path: string, options: { method?: string; headers?: http.OutgoingHttpHeaders } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${binhost.url}${path}`, { method: options.method ?? "GET", headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Sends the request line byte for byte and returns the status code. */
function rawStatus(target: string): Promise<number> {
  const { port } = new URL(binhost.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), "127.0.0.1", () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, "latin1");
    });
    let data = "";
    socket.on("data", (c: Buffer) => (data += c.toString("latin1")));
    socket.on("end", () => {
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(data);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`no status line in ${JSON.stringify(data.slice(0, 80))}`));
    });
    socket.on("error", reject);
  });
}

describe("binhost serves what Portage clients fetch", () => {
  it("Packages: 200, then 304 for If-Modified-Since and If-None-Match", async () => {
    const first = await request("/Packages");
    assert.equal(first.status, 200);
    assert.equal(first.body.toString(), PACKAGES);
    assert.equal(first.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(first.headers["last-modified"], new Date(1_700_000_000_000).toUTCString());
    assert.equal(first.headers["accept-ranges"], "bytes");
    assert.ok(first.headers.etag);
    const ims = await request("/Packages", { headers: { "If-Modified-Since": first.headers["last-modified"]! } });
    assert.equal(ims.status, 304);
    assert.equal(ims.body.length, 0);
    const inm = await request("/Packages", { headers: { "If-None-Match": first.headers.etag } });
    assert.equal(inm.status, 304);
    const older = await request("/Packages", { headers: { "If-Modified-Since": new Date(1_600_000_000_000).toUTCString() } });
    assert.equal(older.status, 200);
  });

  it("a binpkg with + in its name, whole and as a resumed Range", async () => {
    const whole = await request(`/${SIGC}`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers["content-type"], "application/x-tar");
    assert.ok(whole.body.equals(BINPKG));
    const encoded = await request("/dev-libs/libsigc%2B%2B/libsigc%2B%2B-2.12.1-1.gpkg.tar");
    assert.equal(encoded.status, 200);
    const tail = await request(`/${SIGC}`, { headers: { Range: "bytes=99990-" } });
    assert.equal(tail.status, 206);
    assert.equal(tail.headers["content-range"], `bytes 99990-99999/${BINPKG.length}`);
    assert.equal(tail.headers["content-length"], "10");
    assert.ok(tail.body.equals(BINPKG.subarray(99990)));
    const mid = await request(`/${SIGC}`, { headers: { Range: "bytes=0-5" } });
    assert.equal(mid.body.toString(), "binpkg");
  });

  it("416 for a range past the end", async () => {
    const r = await request(`/${SIGC}`, { headers: { Range: `bytes=${BINPKG.length}-` } });
    assert.equal(r.status, 416);
    assert.equal(r.headers["content-range"], `bytes */${BINPKG.length}`);
  });

  it("HEAD has the headers and no body", async () => {
    const r = await request(`/${SIGC}`, { method: "HEAD" });
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-length"], String(BINPKG.length));
    assert.equal(r.body.length, 0);
  });

  it("a symlink to a binpkg inside PKGDIR is followed", async () => {
    assert.equal((await request("/app-misc/hello/alias-1.gpkg.tar")).status, 200);
  });

  it("405 with Allow for other methods", async () => {
    for (const method of ["POST", "PUT", "DELETE"]) {
      const r = await request("/Packages", { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, "GET, HEAD");
    }
  });
});

describe("binhost refuses with 404", () => {
  const targets = [
    "/../etc/passwd",
    "/dev-libs/../../etc/passwd",
    "/%2e%2e/etc/passwd",
    "/%2e%2e%2fetc%2fpasswd",
    "/..%2fetc/passwd",
    "/%252e%252e/etc/passwd",
    "/%2e%2e/secret.gpkg.tar",
    "/dev-libs/..%5c..%5csecret.gpkg.tar",
    "/app-misc/hello/out-1.gpkg.tar",
    "/app-misc/hello/lock-1.gpkg.tar",
    "/.Packages.portage_lockfile",
    "/Packagesk3j_9a2x",
    "/app-misc/hello/hello-1.0-1.gpkg.tar",
    "/app-misc/hello/hello-1.0-2.gpkg.tar.partial",
    "/app-misc/hello/hello-1.0-3.gpkg.tar.4242abcdefgh",
    "/.hidden/app-misc/x-1.gpkg.tar",
    "/dev-libs/libsigc++/",
    "/dev-libs",
    "/",
    "/Packages%00.gpkg.tar",
    "/binhost-key.asc",
  ];
  for (const target of targets) {
    it(target, async () => assert.equal(await rawStatus(target), 404));
  }

  it("logs each request with status, bytes and the refusal reason", async () => {
    logLines.length = 0;
    await request("/Packages");
    await rawStatus("/%2e%2e/secret.gpkg.tar");
    // A line is written when the response has closed, which may be after the client saw it.
    for (let i = 0; i < 100 && logLines.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const served = logLines.find((l) => l.includes("/Packages "));
    const refused = logLines.find((l) => l.includes("secret"));
    assert.match(served ?? "", /^127\.0\.0\.1 - - \[.+\] "GET \/Packages HTTP\/1\.1" 200 \d+ [\d.]+ms$/);
    assert.match(refused ?? "", /^127\.0\.0\.1 .*"GET \/%2e%2e\/secret\.gpkg\.tar HTTP\/1\.1" 404 - [\d.]+ms "unsafe path segment/);
  });
});
