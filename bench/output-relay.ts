// Relaying build output: a throw-away task prints 1 GiB of 80-column lines; binpkgbot writes it to the
// task's log and, prefixed, to its stdout (a pipe, as under journald or CI). Compared with the same
// container writing the same bytes to a file directly, as a throughput ratio, with binpkgbot's peak RSS.
// Targets: ratio >= 0.7, RSS < 80 MB. Needs root and btrfs (a loop image), like the integration tests.
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { canRegisterMachine, probeHost } from "../src/container/host.js";
import { renderNspawnArgv } from "../src/container/nspawn-argv.js";
import { nodeExec } from "../src/exec/exec.js";
import { repoRoot } from "../test/support/fixtures.js";
import { configText, type World } from "../test/integration/support/world.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";
import { inBenchWorld } from "./bench-world.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BYTES = Number(process.env.BENCH_BYTES ?? 1024 ** 3);
/** `yes` repeats it: 80 columns and a newline. */
const LINE = "0123456789".repeat(8);
const PRINT = `yes ${LINE} | head -c ${BYTES}`;

export async function benchOutputRelay(): Promise<BenchResult[]> {
  return inBenchWorld({ name: "1 GiB output relay vs direct", unit: "ratio" }, async (world) => {
    const out = path.join(world.root, "out");
    await mkdir(out);
    const register = canRegisterMachine(await probeHost({ exec: nodeExec, path: process.env.PATH ?? "" }));
    const directArgv = renderNspawnArgv({
      directory: world.stage, ephemeral: true, machine: "bench-direct", binds: [{ from: out, to: "/out", writable: true }], env: {},
      command: ["/bin/sh", "-c", `${PRINT} > /out/print`], register, sudo: false,
    });
    await writeFile(world.config, configText(world, `sync: false\nlog_retention: 1\ntasks:\n  - run: {persist: false, name: print, script: '${PRINT}'}\n`));
    const direct: number[] = [];
    const relayed: number[] = [];
    const rss: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      direct.push(await timeMs(async () => {
        const result = await nodeExec.run(directArgv, { capture: false });
        if (result.code !== 0) throw new Error(`direct print failed: exit ${result.code}`);
      }));
      if ((await stat(path.join(out, "print"))).size !== BYTES) throw new Error("the direct print wrote less than it should");
      await rm(path.join(out, "print"));
      const relay = await runRelayed(world);
      relayed.push(relay.ms);
      rss.push(relay.peakRssBytes);
    }
    const ratio = median(direct) / median(relayed);
    return [
      { name: "1 GiB printed to a file in the container", value: round(median(direct) / 1000, 2), unit: "s", detail: `median of ${RUNS}` },
      { name: "1 GiB relayed by binpkgbot (log + stdout)", value: round(median(relayed) / 1000, 2), unit: "s", detail: "stdout a pipe, read to the end" },
      { name: "relay throughput ratio (direct/relayed)", value: round(ratio), unit: "ratio", detail: "target >= 0.70" },
      { name: "binpkgbot peak RSS while relaying", value: round(Math.max(...rss) / 1024 ** 2, 1), unit: "MB", detail: "VmHWM, max of the runs; target < 80" },
    ];
  });
}

/** One `binpkgbot run` of the printing task; checks that the log and stdout got every line. */
async function runRelayed(world: World): Promise<{ ms: number; peakRssBytes: number }> {
  const cli = path.join(repoRoot, "build", "src", "cli", "main.js");
  let peak = 0;
  let stdoutBytes = 0;
  const ms = await timeMs(() => new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "run", "--force", "-c", world.config], { stdio: ["ignore", "pipe", "ignore"] });
    child.stdout.on("data", (chunk: Buffer) => (stdoutBytes += chunk.length));
    // VmHWM is the peak so far: the last reading before the process ends is (nearly) its peak.
    const poll = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, "utf8").then((status) => {
        const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kb * 1024);
      }, () => undefined);
    }, 100);
    child.on("close", (code) => {
      clearInterval(poll);
      if (code === 0) resolve();
      else reject(new Error(`binpkgbot run exited ${code}`));
    });
  }));
  const lines = BYTES / (LINE.length + 1);
  if (stdoutBytes < BYTES + lines * "[print] ".length) throw new Error(`stdout got ${stdoutBytes} bytes, fewer than every prefixed line`);
  const logs = path.join(world.stateDir, "logs");
  const [run] = await readdir(logs);
  const logSize = (await stat(path.join(logs, run ?? "", "print.log"))).size;
  if (logSize < BYTES) throw new Error(`the task's log has ${logSize} bytes, fewer than the task printed`);
  await rm(logs, { recursive: true, force: true });
  return { ms, peakRssBytes: peak };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const r of await benchOutputRelay()) console.log(`${r.name.padEnd(44)} ${String(r.value).padStart(10)} ${r.unit}  ${r.detail ?? ""}`);
}
