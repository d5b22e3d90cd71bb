// npm run bench: every benchmark, one table. Figures are medians; each says its target.
import { benchConfigPlan } from "./config-plan.js";
import { benchCoverage } from "./coverage.js";
import { benchDashboardApi } from "./dashboard-api.js";
import { benchCoordinatorOverhead, benchFleetWorkers } from "./fleet-queue.js";
import { benchLiveLogClients } from "./live-log-clients.js";
import { benchHostileConfig } from "./hostile-config.js";
import { benchIncremental } from "./incremental.js";
import { benchOutputRelay } from "./output-relay.js";
import { benchRunFixedCost } from "./run-fixed-cost.js";
import { benchJobPool } from "./job-pool.js";
import type { BenchResult } from "./measure.js";
import { benchParallelJobs } from "./parallel-jobs.js";
import { benchReleases } from "./releases.js";
import { benchRepositoryArchive } from "./repository-archive.js";
import { benchServeRelease } from "./serve-release.js";
import { benchServeHostile } from "./serve-hostile.js";
import { benchServeVsNginx } from "./serve-vs-nginx.js";
import { benchServerReport } from "./server-report.js";
import { benchStageTransfer } from "./stage-transfer.js";
import { benchStatusServer } from "./status-server.js";
import { benchTaskOverhead } from "./task-overhead.js";

const benches: [string, () => Promise<BenchResult[]>][] = [
  ["config and plan", benchConfigPlan],
  ["hostile configs", benchHostileConfig],
  ["task overhead", benchTaskOverhead],
  ["tasks side by side", benchParallelJobs],
  ["one-task run vs bare nspawn", benchRunFixedCost],
  ["1 GiB output relay", benchOutputRelay],
  ["incremental runs", benchIncremental],
  ["job pool", benchJobPool],
  ["binhost vs nginx", () => benchServeVsNginx()],
  ["server reports", benchServerReport],
  ["binhost under hostile load", benchServeHostile],
  ["status server", () => benchStatusServer()],
  ["servers' coverage", benchCoverage],
  ["releases", benchReleases],
  ["releases: serve from a release vs PKGDIR", () => benchServeRelease()],
  ["releases: the repository archive", benchRepositoryArchive],
  ["dashboard API", benchDashboardApi],
  ["dashboard live log clients", benchLiveLogClients],
  ["stage generations between hosts", benchStageTransfer],
  ["several hosts: workers", benchFleetWorkers],
  ["several hosts: coordinator overhead", benchCoordinatorOverhead],
];

const only = process.argv.slice(2);
for (const [title, bench] of benches) {
  if (only.length > 0 && !only.some((word) => title.includes(word))) continue;
  console.log(`## ${title}`);
  for (const result of await bench()) {
    console.log(`${result.name.padEnd(44)} ${String(result.value).padStart(10)} ${result.unit.padEnd(6)} ${result.detail ?? ""}`);
  }
  console.log("");
}
