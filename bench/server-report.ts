// POST /report/NAME: a report of 1,000 files of 1 KiB (a large /etc/portage), received, checked and
// stored (one fsync per file, then the link swap), five times; the median time per report and the
// longest time the server's event loop was blocked (perf_hooks.monitorEventLoopDelay), which is the
// synchronous tar check. The biggest report the default limit allows (8 MiB) is timed the same way.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { renderReportTar, type ReportMember } from "../src/report/report-tar.js";
import { sendReport } from "../src/report/send-report.js";
import { startBinhost } from "../src/server/binhost.js";
import { createReportReceiver } from "../src/server/report-endpoint.js";
import { median, round, timeMs, type BenchResult } from "./measure.js";

const TOKEN = "0123456789abcdef0123456789abcdef";

function reportOf(files: number, bytesEach: number): Uint8Array {
  const facts = { format: 1, name: "web1", emergeInfo: { ok: false, problem: "bench" }, links: [], skipped: [] };
  const members: ReportMember[] = [
    { kind: "file", path: "report.json", data: Buffer.from(JSON.stringify(facts)) },
    { kind: "directory", path: "etc" }, { kind: "directory", path: "etc/portage" }, { kind: "directory", path: "etc/portage/package.use" },
  ];
  for (let i = 0; i < files; i++) members.push({ kind: "file", path: `etc/portage/package.use/f${i}`, data: Buffer.alloc(bytesEach, 0x61) });
  return renderReportTar(members);
}

export async function benchServerReport(): Promise<BenchResult[]> {
  const work = await mkdtemp(path.join(tmpdir(), "binpkgbot-bench-report-"));
  try {
    await mkdir(path.join(work, "pkgdir"));
    await writeFile(path.join(work, "token"), TOKEN);
    const reports = createReportReceiver({ stateDir: path.join(work, "state"), servers: () => [{ name: "web1", tokenFile: path.join(work, "token") }] });
    const binhost = await startBinhost({ pkgdir: path.join(work, "pkgdir"), log: () => {}, reports });
    try {
      const results: BenchResult[] = [];
      for (const [label, body] of [["1000_files", reportOf(1_000, 1024)], ["8mib_200_files", reportOf(200, 40 * 1024)]] as const) {
        const delay = monitorEventLoopDelay({ resolution: 1 });
        delay.enable();
        const times: number[] = [];
        for (let i = 0; i < 5; i++) times.push(await timeMs(() => sendReport({ to: binhost.url, name: "web1", token: TOKEN, body })));
        delay.disable();
        results.push(
          { name: `report_${label}`, value: round(median(times), 0), unit: "ms", detail: `${body.length} bytes, median of 5` },
          { name: `report_${label}_longest_block`, value: round(delay.max / 1e6, 1), unit: "ms", detail: "target ≤ 50" },
        );
      }
      return results;
    } finally {
      await binhost.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
