// npm run bench: every benchmark, one table. Figures are medians; each says its target.
import { benchConfigPlan } from "./config-plan.js";
import { benchHostileConfig } from "./hostile-config.js";
import { benchIncremental } from "./incremental.js";
import type { BenchResult } from "./measure.js";
import { benchServeHostile } from "./serve-hostile.js";
import { benchServeVsNginx } from "./serve-vs-nginx.js";
import { benchStatusServer } from "./status-server.js";
import { benchTaskOverhead } from "./task-overhead.js";

const benches: [string, () => Promise<BenchResult[]>][] = [
  ["config and plan", benchConfigPlan],
  ["hostile configs", benchHostileConfig],
  ["task overhead", benchTaskOverhead],
  ["incremental runs", benchIncremental],
  ["binhost vs nginx", () => benchServeVsNginx()],
  ["binhost under hostile load", benchServeHostile],
  ["status server", () => benchStatusServer()],
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
