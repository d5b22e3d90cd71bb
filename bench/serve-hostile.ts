// The binhost under hostile load: 500 keep-alive connections polling `Packages`, 200 slow readers
// of a 64 MB binpkg and one client pipelining 20,000 requests without reading. Measures the p99
// latency of a legitimate client (a new connection fetching the whole `Packages`, about 2 MB)
// against the same client unloaded (target: at most 2x), the server's peak RSS (target: under
// RSS_BOUND_MB, README "Limits of the binhost") and its descriptors before and after (target: equal).
// Run: `npm run build && node build/bench/serve-hostile.js`.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { DEFAULT_LIMITS } from "../src/server/binhost-limits.js";
import { round, type BenchResult } from "./measure.js";
import type { HostileLoad } from "./serve-hostile-load.js";
import { BINPKG, writePkgdir } from "./serve-vs-nginx.js";

const POLLERS = 500;
const SLOW_READERS = 200;
const LOAD_MS = 12_000;
const SAMPLES = 200;
export const RSS_BOUND_MB = 256;

export async function benchServeHostile(): Promise<BenchResult[]> {
  const work = await mkdtemp(join(tmpdir(), "binpkgbot-bench-hostile-"));
  // 701 connections: more than the default total cap, so it is raised; the per-address cap stays.
  const limits = { maxConnections: 1_000 };
  const server = spawn(process.execPath, [new URL("./serve-hostile-server.js", import.meta.url).pathname, join(work, "pkgdir"), JSON.stringify(limits)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    await writePkgdir(join(work, "pkgdir"));
    const url = (await once(server.stdout, "data")).toString().trim();
    const pid = server.pid!;
    await latencies(url, 20); // warm-up: the index is read once
    const baseline = { fds: await openFds(pid), rssMb: await rssMb(pid) };
    const quiet = await latencies(url, SAMPLES);
    const unloaded = percentile(quiet, 0.99);
    const load: HostileLoad = { url, binpkg: BINPKG, pollers: POLLERS, slowReaders: SLOW_READERS, perAddress: DEFAULT_LIMITS.maxConnectionsPerAddress, durationMs: LOAD_MS };
    const worker = new Worker(new URL("./serve-hostile-load.js", import.meta.url), { workerData: load });
    const loadDone = once(worker, "message") as Promise<[{ polls: number; errors: number }]>;
    let peakRss = 0;
    const sampler = setInterval(() => void rssMb(pid).then((mb) => (peakRss = Math.max(peakRss, mb))), 100);
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // every connection open and waiting
    const busy = await latencies(url, SAMPLES);
    const loaded = percentile(busy, 0.99);
    const [counts] = await loadDone;
    clearInterval(sampler);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await openFds(pid);
    const detail = `${POLLERS} pollers (${counts.polls} polls, ${counts.errors} errors), ${SLOW_READERS} slow readers, 1 pipelining client; limits ${JSON.stringify(limits)}`;
    return [
      { name: "serve.hostile.p99_unloaded", value: round(unloaded), unit: "ms", detail: `${SAMPLES} GET /Packages, a new connection each; p50 ${round(percentile(quiet, 0.5))} ms` },
      { name: "serve.hostile.p99_loaded", value: round(loaded), unit: "ms", detail: `p50 ${round(percentile(busy, 0.5))} ms; ${detail}` },
      { name: "serve.hostile.p99_ratio", value: round(loaded / unloaded), unit: "x", detail: "loaded / unloaded; target at most 2" },
      { name: "serve.hostile.peak_rss", value: round(peakRss), unit: "MB", detail: `target under ${RSS_BOUND_MB} MB; ${round(baseline.rssMb)} MB before the load` },
      { name: "serve.hostile.fds_after", value: after, unit: "fds", detail: `target at most ${baseline.fds}, as before the load` },
    ];
  } finally {
    server.kill("SIGTERM");
    await once(server, "exit");
    await rm(work, { recursive: true, force: true });
  }
}

/** Milliseconds each of `count` sequential whole GETs of `Packages` took, a new connection each. */
async function latencies(url: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      http.get(`${url}/Packages`, { agent: false }, (res) => res.resume().on("end", resolve).on("error", reject)).on("error", reject);
    });
    times.push(performance.now() - started);
  }
  return times;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? Number.NaN;
}

async function openFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchServeHostile()) console.log(`${r.name.padEnd(32)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
