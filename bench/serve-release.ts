// Binhost throughput from the current release against serving PKGDIR directly: the same files (the
// release is PKGDIR frozen as hard links), each server in its own process, the load from a worker
// thread. Each round loads one then the other, in alternating order. On a shared machine the requests
// per second follow the other load more than the server, so the figure that decides is CPU-bound
// throughput: requests per CPU second of each server process (/proc/PID/stat utime + stime, over all
// rounds). Target: the release within 5% of PKGDIR (ratio ≥ 0.95).
// Run: `npm run build && node build/bench/serve-release.js`.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import { nodeExec } from "../src/exec/exec.js";
import { publishRelease } from "../src/releases/publish.js";
import { releasesLayout } from "../src/releases/release-layout.js";
import { median, round, type BenchResult } from "./measure.js";
import { BINPKG, runLoad, writePkgdir } from "./serve-vs-nginx.js";

const CONCURRENCY = 8;
const ROUNDS = 9;
const SMALL = "app-misc/small/small-1.0-1.gpkg.tar";

interface Scenario {
  name: string;
  unit: "req/s" | "MB/s";
  path: string;
  headers(base: string): Promise<Record<string, string>>;
  status: number;
}

const SCENARIOS: Scenario[] = [
  { name: "packages_200", unit: "req/s", path: "/Packages", headers: async () => ({}), status: 200 },
  {
    name: "packages_304", unit: "req/s", path: "/Packages", status: 304,
    headers: async (base) => ({ "If-Modified-Since": (await fetch(`${base}/Packages`, { method: "HEAD" })).headers.get("last-modified") ?? "" }),
  },
  { name: "binpkg_100kb", unit: "req/s", path: `/${SMALL}`, headers: async () => ({}), status: 200 },
  { name: "binpkg_64mb", unit: "MB/s", path: `/${BINPKG}`, headers: async () => ({}), status: 200 },
];

interface Server {
  url: string;
  child: ChildProcess;
}

interface Tally {
  rates: number[];
  requests: number;
  cpuTicks: number;
}

export async function benchServeRelease(options: { roundMs?: number } = {}): Promise<BenchResult[]> {
  const roundMs = options.roundMs ?? 1000;
  const work = await mkdtemp(join(tmpdir(), "binpkgbot-bench-release-"));
  const servers: Server[] = [];
  try {
    const pkgdir = join(work, "pkgdir");
    await writePkgdir(pkgdir);
    await writeSmall(pkgdir);
    const layout = releasesLayout(join(work, "releases"));
    await publishRelease(layout, { pkgdir, repository: null, stageGeneration: "bench", run: null }, { exec: nodeExec, now: () => new Date(), isSubvolume: async () => false });
    const direct = await startServer([pkgdir]);
    servers.push(direct);
    const release = await startServer([pkgdir, layout.dir]);
    servers.push(release);
    const results: BenchResult[] = [];
    for (const scenario of SCENARIOS) {
      const tally = { pkgdir: newTally(), release: newTally() };
      for (const server of [direct, release]) await load(server, scenario, 300);
      for (let index = 0; index < ROUNDS; index++) {
        for (const name of index % 2 === 0 ? (["pkgdir", "release"] as const) : (["release", "pkgdir"] as const)) {
          const server = name === "pkgdir" ? direct : release;
          const before = await cpuTicks(server);
          const measured = await load(server, scenario, roundMs);
          tally[name].cpuTicks += (await cpuTicks(server)) - before;
          tally[name].requests += measured.requests;
          tally[name].rates.push(scenario.unit === "MB/s" ? measured.bytes / 1e6 / (measured.elapsedMs / 1000) : measured.requests / (measured.elapsedMs / 1000));
        }
      }
      const perCpuSecond = (t: Tally): number => t.requests / (t.cpuTicks / TICKS_PER_SECOND);
      for (const name of ["pkgdir", "release"] as const) {
        const what = name === "pkgdir" ? "from PKGDIR" : "from the current release";
        results.push({ name: `${scenario.name} ${what}`, value: round(median(tally[name].rates), 0), unit: scenario.unit, detail: `median of ${ROUNDS} rounds of ${roundMs} ms, ${CONCURRENCY} keep-alive connections` });
        results.push({ name: `${scenario.name} ${what}, per CPU second`, value: round(perCpuSecond(tally[name]), 0), unit: "req", detail: `${tally[name].requests} requests, ${tally[name].cpuTicks} ticks of the server process` });
      }
      results.push({ name: `${scenario.name} release / PKGDIR`, value: round(perCpuSecond(tally.release) / perCpuSecond(tally.pkgdir), 3), unit: "ratio", detail: "requests per CPU second; target ≥ 0.95" });
    }
    return results;
  } finally {
    for (const server of servers) {
      server.child.kill("SIGTERM");
      if (server.child.exitCode === null) await once(server.child, "exit");
    }
    await rm(work, { recursive: true, force: true });
  }
}

/** USER_HZ: the unit of utime and stime in /proc/PID/stat (proc(5)); 100 on Linux. */
const TICKS_PER_SECOND = 100;

function newTally(): Tally {
  return { rates: [], requests: 0, cpuTicks: 0 };
}

async function load(server: Server, scenario: Scenario, durationMs: number) {
  return runLoad({ url: `${server.url}${scenario.path}`, headers: await scenario.headers(server.url), expectStatus: scenario.status, concurrency: CONCURRENCY, durationMs });
}

async function startServer(args: string[]): Promise<Server> {
  const child = spawn(process.execPath, [new URL("./serve-release-server.js", import.meta.url).pathname, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(createInterface({ input: child.stdout! }), "line")) as [string];
  return { url: line.trim(), child };
}

/** utime + stime of the server process (proc(5): fields 14 and 15, after the parenthesised name). */
async function cpuTicks(server: Server): Promise<number> {
  const stat = await readFile(`/proc/${server.child.pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** A 100 KB binpkg: a request whose cost is mostly per-request work, where a release's lookups would show. */
async function writeSmall(pkgdir: string): Promise<void> {
  await mkdir(join(pkgdir, "app-misc", "small"), { recursive: true });
  await writeFile(join(pkgdir, SMALL), Buffer.alloc(100 * 1024, 7));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const result of await benchServeRelease()) console.log(`${result.name.padEnd(44)} ${String(result.value).padStart(10)} ${result.unit.padEnd(6)} ${result.detail ?? ""}`);
}
