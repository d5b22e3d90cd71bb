// Binhost throughput against Debian's nginx serving the same PKGDIR on loopback: requests/s
// for `Packages` (200 and 304 via If-Modified-Since, what every emerge --getbinpkg asks first)
// and MB/s for a 64 MB binpkg. Run: `npm run build && node build/bench/serve-vs-nginx.js`.
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { nodeExec } from "../src/exec/exec.js";
import { startBinhost } from "../src/server/binhost.js";
import type { LoadRequest, LoadResult } from "./serve-load.js";

import type { BenchResult } from "./measure.js";

const NGINX = "/usr/sbin/nginx";
export const BINPKG = "dev-libs/libsigc++/libsigc++-2.12.1-1.gpkg.tar";
const CONCURRENCY = 8;

export async function benchServeVsNginx(options: { durationMs?: number } = {}): Promise<BenchResult[]> {
  const durationMs = options.durationMs ?? 3000;
  const work = await mkdtemp(join(tmpdir(), "binpkgbot-bench-serve-"));
  const stopNginx = new AbortController();
  let nginxExit: Promise<unknown> | undefined;
  let binhost: Awaited<ReturnType<typeof startBinhost>> | undefined;
  try {
    const pkgdir = join(work, "pkgdir");
    await writePkgdir(pkgdir);
    const port = await freePort();
    nginxExit = startNginx(work, pkgdir, port, stopNginx.signal);
    await waitForPort(port);
    let logged = 0;
    binhost = await startBinhost({ pkgdir, log: () => void logged++ });
    const servers = { binpkgbot: binhost.url, nginx: `http://127.0.0.1:${port}` };
    const results: BenchResult[] = [];
    for (const scenario of SCENARIOS) {
      const measured: Record<string, number> = {};
      for (const [server, base] of Object.entries(servers)) {
        const spec = await scenario.spec(base, durationMs);
        await runLoad({ ...spec, durationMs: 300 }); // warm-up
        const load = await runLoad(spec);
        measured[server] = scenario.unit === "MB/s" ? load.bytes / 1e6 / (load.elapsedMs / 1000) : load.requests / (load.elapsedMs / 1000);
        results.push({ name: `serve.${scenario.name}.${server}`, value: round(measured[server]!), unit: scenario.unit, detail: `${load.requests} requests, ${CONCURRENCY} keep-alive connections, ${Math.round(load.elapsedMs)} ms` });
      }
      results.push({ name: `serve.${scenario.name}.ratio`, value: round(measured.binpkgbot! / measured.nginx!), unit: "x nginx", detail: "binpkgbot / nginx; nginx: 1 worker, sendfile on, access_log off; binpkgbot: access log to a no-op callback" });
    }
    return results;
  } finally {
    await binhost?.close();
    stopNginx.abort();
    await nginxExit;
    await rm(work, { recursive: true, force: true });
  }
}

interface Scenario {
  name: string;
  unit: "req/s" | "MB/s";
  spec(base: string, durationMs: number): Promise<LoadRequest>;
}

const SCENARIOS: Scenario[] = [
  { name: "packages_200", unit: "req/s", spec: async (base, durationMs) => ({ url: `${base}/Packages`, headers: {}, expectStatus: 200, concurrency: CONCURRENCY, durationMs }) },
  {
    name: "packages_304",
    unit: "req/s",
    spec: async (base, durationMs) => {
      const lastModified = (await fetch(`${base}/Packages`, { method: "HEAD" })).headers.get("last-modified") ?? "";
      return { url: `${base}/Packages`, headers: { "If-Modified-Since": lastModified }, expectStatus: 304, concurrency: CONCURRENCY, durationMs };
    },
  },
  { name: "binpkg_64mb", unit: "MB/s", spec: async (base, durationMs) => ({ url: `${base}/${BINPKG}`, headers: {}, expectStatus: 200, concurrency: CONCURRENCY, durationMs }) },
];

export function runLoad(spec: LoadRequest): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./serve-load.js", import.meta.url), { workerData: spec });
    worker.once("message", (message: LoadResult | { error: string }) => {
      if ("error" in message) reject(new Error(`load on ${spec.url}: ${message.error}`));
      else if (message.unexpected.length > 0) reject(new Error(`load on ${spec.url}: ${message.unexpected[0]}, expected ${spec.expectStatus}`));
      else resolve(message);
    });
    worker.once("error", reject);
  });
}

/** A `Packages` of about 2 MB in Portage's layout and one 64 MB binpkg. */
export async function writePkgdir(pkgdir: string): Promise<void> {
  await mkdir(join(pkgdir, "dev-libs/libsigc++"), { recursive: true });
  const blocks = ["ARCH: amd64\nCHOST: x86_64-pc-linux-gnu\nPACKAGES: 3000\nTIMESTAMP: 1700000000\nVERSION: 0\n"];
  for (let i = 0; i < 3000; i++) {
    blocks.push(
      `BUILD_ID: 1\nBUILD_TIME: 1700000000\nCPV: app-misc/pkg${i}-1.0\nDEFINED_PHASES: compile configure install prepare\nEAPI: 8\n` +
        `IUSE: doc examples test +ssl static-libs\nKEYWORDS: amd64\nLICENSE: MIT\nMD5: ${"0".repeat(32)}\nMTIME: 1700000000\n` +
        `PATH: app-misc/pkg${i}/pkg${i}-1.0-1.gpkg.tar\nRDEPEND: >=dev-libs/openssl-3.0:0= sys-libs/zlib virtual/libc\nREPO: gentoo\n` +
        `SHA1: ${"0".repeat(40)}\nSIZE: 102400\nSLOT: 0\nUSE: abi_x86_64 amd64 elibc_glibc kernel_linux ssl\n`,
    );
  }
  await writeFile(join(pkgdir, "Packages"), blocks.join("\n"));
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  const out = createWriteStream(join(pkgdir, BINPKG));
  for (let i = 0; i < 64; i++) if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function startNginx(work: string, pkgdir: string, port: number, signal: AbortSignal): Promise<unknown> {
  const conf = join(work, "nginx.conf");
  const temp = (name: string): string => join(work, `nginx-${name}`);
  // master_process off: one process, the same event-loop model as binpkgbot's server, and
  // nothing left behind when it is stopped.
  const text = `daemon off; master_process off; worker_processes 1; pid ${work}/nginx.pid; error_log ${work}/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
  client_body_temp_path ${temp("body")}; proxy_temp_path ${temp("proxy")}; fastcgi_temp_path ${temp("fastcgi")};
  uwsgi_temp_path ${temp("uwsgi")}; scgi_temp_path ${temp("scgi")};
  default_type application/octet-stream;
  server { listen 127.0.0.1:${port}; root ${pkgdir}; location / { } }
}
`;
  return writeFile(conf, text).then(() => nodeExec.run([NGINX, "-c", conf, "-p", work], { signal }));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => (socket.end(), resolve(true)));
      socket.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port} within 5 s; see its error log`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchServeVsNginx()) console.log(`${r.name.padEnd(32)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
