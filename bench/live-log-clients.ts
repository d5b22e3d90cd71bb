// A build's output relay while 50 browsers follow its live log. What is timed is the relay itself: a
// real run (performRun, as the daemon and `binpkgbot run` call it) of a throw-away container that
// prints BYTES of 80-column lines, which the engine reads from the container's pipe and writes to the
// task's log; from the task's first output to its end. It is timed with nobody following, with 50 SSE
// clients of /live/print on a status server in this process (the daemon: build and dashboard share
// one event loop), and with 50 clients of a `binpkgbot dashboard` process beside it (a run from a
// timer). The clients run in another process at nice 19, as browsers on another machine would not
// compete for this host's CPU; each must have followed the running task to its end, or the figure is
// refused. Output events go nowhere here: printing them (journal, stdout) costs the same either way.
// Target: the relay no more than 5% slower with 50 clients. Each arm also gives this process's CPU time
// during the relay, which other load on the machine disturbs less than the wall time; BENCH_LIVE_VERBOSE=1
// prints every round. Each arm's slowdown is the median over rounds of its time against the lone relay
// of the same round (rounds rotate the arms' order), which machine drift disturbs less than a ratio of
// medians; the dashboard arm also gives the CPU time the dashboard process used meanwhile, the most it
// could have taken from the relay. Needs root and btrfs, like output-relay.ts.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { setPriority } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Config } from "../src/config/config.js";
import { loadConfig } from "../src/config/load.js";
import { performRun } from "../src/engine/perform-run.js";
import { nodeExec } from "../src/exec/exec.js";
import { diskConfigFiles } from "../src/io/config-files.js";
import { startStatusServer } from "../src/server/status-server.js";
import { repoRoot } from "../test/support/fixtures.js";
import { configText } from "../test/integration/support/world.js";
import { inBenchWorld } from "./bench-world.js";
import { median, round, type BenchResult } from "./measure.js";

const BYTES = Number(process.env.BENCH_LIVE_BYTES ?? 256 * 1024 ** 2);
const ROUNDS = Number(process.env.BENCH_LIVE_ROUNDS ?? 4);
const CLIENTS = 50;
const LINE = "0123456789".repeat(8);
// The pause lets the first clients find the running task before it prints; it is not timed.
const SCRIPT = `sleep 1; yes ${LINE} | head -c ${BYTES}`;

// Client i comes i × 30 ms after the first (so that some join while the task prints), asks for the
// task's live log until it answers "running", then reads it to the end; at the end the process prints,
// per client, the bytes it got and whether it saw `event: end`.
const CLIENT_SCRIPT = `
const [url, n] = process.argv.slice(1);
const follow = async (_, i) => {
  await new Promise((r) => setTimeout(r, i * 30));
  for (;;) {
    const response = await fetch(url).catch(() => null);
    if (response === null || response.status !== 200) { await new Promise((r) => setTimeout(r, 20)); continue; }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let head = "", tail = new Uint8Array(0), bytes = 0, running = null;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (running === null) {
        head += decoder.decode(value, { stream: true });
        const first = head.indexOf("\\n\\n");
        if (first === -1) continue;
        running = head.slice(0, first).includes('"result":"running"');
        if (!running) break;
      }
      tail = Buffer.concat([tail, value]).subarray(-200);
    }
    if (!running) { await reader.cancel().catch(() => {}); await new Promise((r) => setTimeout(r, 20)); continue; }
    return { bytes, ended: Buffer.from(tail).toString().includes("event: end") };
  }
};
Promise.all(Array.from({ length: Number(n) }, follow)).then((clients) => console.log(JSON.stringify(clients)));`;

type Arm = "alone" | "daemon" | "dashboard";

export async function benchLiveLogClients(): Promise<BenchResult[]> {
  return inBenchWorld({ name: "live log: relay slowdown with 50 clients", unit: "%" }, async (world) => {
    await writeFile(world.config, configText(world, `sync: false\nlog_retention: 1\ntasks:\n  - run: {persist: false, name: print, script: '${SCRIPT}'}\n`));
    const loaded = loadConfig(world.config, diskConfigFiles);
    if (!loaded.ok) throw new Error(loaded.issues.map((issue) => issue.message).join("\n"));
    const config = loaded.config;
    const daemon = await startStatusServer({ host: "127.0.0.1", port: 0 }, { stateDir: () => config.stateDir, daemon: () => ({ current: null }) });
    const dashboard = await startDashboardProcess(world.config);
    const times: Record<Arm, number[]> = { alone: [], daemon: [], dashboard: [] };
    const cpu: Record<Arm, number[]> = { alone: [], daemon: [], dashboard: [] };
    const dashboardCpu: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // Rotating the order, so that writeback of the previous run's log weighs on every arm alike.
        const arms: Arm[] = ["alone", "daemon", "dashboard"];
        for (const arm of [...arms.slice(round % 3), ...arms.slice(0, round % 3)]) {
          const url = arm === "alone" ? null : `${arm === "daemon" ? daemon.url : dashboard.url}/live/print`;
          const clients = url === null ? null : startClients(url);
          const dashboardBefore = await processCpuMs(dashboard.child.pid);
          const relay = await relayOnce(config);
          if (arm === "dashboard") dashboardCpu.push((await processCpuMs(dashboard.child.pid)) - dashboardBefore);
          times[arm].push(relay.ms);
          cpu[arm].push(relay.cpuMs);
          if (clients) await clients.check();
          await rm(path.join(config.stateDir, "logs"), { recursive: true, force: true });
        }
      }
    } finally {
      await daemon.close();
      dashboard.child.kill("SIGTERM");
      await once(dashboard.child, "close");
    }
    if (process.env.BENCH_LIVE_VERBOSE === "1") console.error(JSON.stringify({ times, cpu }));
    const alone = median(times.alone);
    const rate = (ms: number): number => round((BYTES / 1024 ** 2) / (ms / 1000), 0);
    // Per round: the arm against the lone relay of the same round.
    const slowdown = (arm: Arm): number => round((median(times[arm].map((ms, index) => ms / (times.alone[index] ?? Number.NaN))) - 1) * 100, 1);
    const cpuOf = (arm: Arm): string => `; this process's CPU ${round(median(cpu[arm]) / 1000, 2)} s`;
    return [
      { name: "live log: relay alone", value: rate(alone), unit: "MiB/s", detail: `${BYTES / 1024 ** 2} MiB of lines through a container's pipe to the log; median of ${ROUNDS}${cpuOf("alone")}` },
      { name: `live log: relay, ${CLIENTS} clients on the daemon`, value: rate(median(times.daemon)), unit: "MiB/s", detail: `status server in the relaying process${cpuOf("daemon")}` },
      { name: `live log: relay, ${CLIENTS} clients on dashboard`, value: rate(median(times.dashboard)), unit: "MiB/s", detail: `binpkgbot dashboard in another process${cpuOf("dashboard")}` },
      { name: "live log: slowdown, clients on the daemon", value: slowdown("daemon"), unit: "%", detail: "target ≤ 5" },
      { name: "live log: slowdown, clients on dashboard", value: slowdown("dashboard"), unit: "%", detail: "target ≤ 5" },
      {
        name: "live log: dashboard process CPU per relay", value: round(median(dashboardCpu), 0), unit: "ms",
        detail: `serving ${CLIENTS} clients while the relay took ${round(median(times.dashboard), 0)} ms (median), ${round((median(dashboardCpu) / median(times.dashboard)) * 100, 1)}% of one CPU`,
      },
    ];
  });
}

/** One run of the printing task: the milliseconds from its first output to its end, and this process's CPU time meanwhile. */
async function relayOnce(config: Config): Promise<{ ms: number; cpuMs: number }> {
  let first = 0;
  let last = 0;
  let cpuFirst = process.cpuUsage();
  let cpuUsed = 0;
  const run = await performRun(config, {
    exec: nodeExec, env: process.env, now: () => new Date(), signal: new AbortController().signal, trigger: "manual", failFast: false, force: true,
    emit: (event) => {
      if (event.kind === "output" && first === 0) {
        first = performance.now();
        cpuFirst = process.cpuUsage();
      }
      if (event.kind === "step-end") {
        last = performance.now();
        const used = process.cpuUsage(cpuFirst);
        cpuUsed = (used.user + used.system) / 1000;
      }
    },
  });
  if (run.result !== "succeeded") throw new Error(`the printing run ended ${run.result}`);
  const log = path.join(run.plan.logDir, "print.log");
  if ((await stat(log)).size < BYTES) throw new Error(`${log} has fewer bytes than the task printed`);
  return { ms: last - first, cpuMs: cpuUsed };
}

/** User and system CPU time of a process so far, from /proc/PID/stat (proc(5): utime and stime, in clock ticks of 1/100 s). */
async function processCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The clients, niced; check() waits for them and throws unless every one followed the task to its end. */
function startClients(url: string): { check(): Promise<void> } {
  const child = spawn(process.execPath, ["-e", CLIENT_SCRIPT, url, String(CLIENTS)], { stdio: ["ignore", "pipe", "inherit"] });
  if (child.pid !== undefined) setPriority(child.pid, 19);
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  return {
    check: async () => {
      // A client that never saw the task running would retry for ever: a minute after the run, it has failed.
      const timer = setTimeout(() => child.kill(), 60_000);
      if (child.exitCode === null) await once(child, "close");
      clearTimeout(timer);
      const clients = JSON.parse(out || "[]") as { bytes: number; ended: boolean }[];
      const short = clients.filter((client) => !client.ended || client.bytes === 0);
      if (clients.length !== CLIENTS || short.length > 0) throw new Error(`${short.length} of ${CLIENTS} clients did not follow the task to its end: ${out.slice(0, 200)}`);
    },
  };
}

async function startDashboardProcess(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const cli = path.join(repoRoot, "build", "src", "cli", "main.js");
  const child = spawn(process.execPath, [cli, "dashboard", "-c", configFile, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const found = /dashboard at (http:\/\/\S+?)\/\s/.exec(out);
      if (found?.[1]) resolve(found[1]);
    });
    child.once("close", (code) => reject(new Error(`binpkgbot dashboard exited ${code}: ${out}`)));
  });
  return { child, url };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchLiveLogClients()) console.log(`${r.name.padEnd(44)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
