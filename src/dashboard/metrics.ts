// GET /metrics in the Prometheus text format (https://prometheus.io/docs/instrumenting/exposition_formats/),
// through prom-client. Every value is read at scrape time from the state database and the facts of
// the daemon, so `binpkgbot dashboard` over a timer's runs exports the same as the daemon.
import { Gauge, Registry } from "prom-client";
import type { WorkersAnswer } from "../fleet/queue/read-workers.js";
import type { DashboardSource } from "./api.js";

export const DURATION_BUCKETS_SECONDS = [10, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 43200] as const;

export interface MetricsExporter {
  render(): Promise<{ contentType: string; text: string }>;
}

export function createMetrics(source: DashboardSource): MetricsExporter {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => Promise<void> | void): void => {
    const metric: Gauge = new Gauge({ name, help, labelNames, registers: [registry], collect: () => {
      metric.reset();
      return collect(metric);
    } });
  };
  gauge("binpkgbot_up", "1 while binpkgbot serves this endpoint", [], (g) => g.set(1));
  gauge("binpkgbot_runs", "runs recorded in the state database, by result", ["result"], (g) => {
    for (const [result, count] of source.state()?.runCounts() ?? []) g.set({ result }, count);
  });
  gauge("binpkgbot_task_last_success_timestamp_seconds", "when each task's newest successful result started", ["task"], (g) => {
    for (const task of source.state()?.taskStatus() ?? []) if (task.lastSucceededAt) g.set({ task: task.taskId }, task.lastSucceededAt.getTime() / 1000);
  });
  let totals = { count: 0, bytes: 0 };
  gauge("binpkgbot_binpkgs", "binpkgs the recorded runs added", [], (g) => {
    totals = source.state()?.binpkgTotals() ?? { count: 0, bytes: 0 };
    g.set(totals.count);
  });
  // Registered after binpkgbot_binpkgs, whose collect() reads the totals for both.
  gauge("binpkgbot_binpkgs_bytes", "size of the binpkgs the recorded runs added", [], (g) => g.set(totals.bytes));
  gauge("binpkgbot_running_containers", "tasks of the running run that are running now, one container each", [], (g) => {
    const state = source.state();
    const run = state?.runningRun();
    g.set(run && state ? state.taskResults(run.id).filter((task) => task.result === "running").length : 0);
  });
  gauge("binpkgbot_last_tick_timestamp_seconds", "when the daemon last ticked (absent without a daemon)", [], async (g) => {
    const tick = (await source.facts()).lastTick;
    if (typeof tick === "string") g.set(Date.parse(tick) / 1000);
  });
  gauge("binpkgbot_server_coverage_ratio", "share of each declared server's packages that binpkgs cover (0 to 1)", ["server"], async (g) => {
    for (const [server, ratio] of coverageRatios((await source.facts()).coverage)) g.set({ server }, ratio);
  });
  registry.registerMetric(durationHistogram(source) as unknown as Gauge);
  // Given Redis (dashboard or daemon --redis): the fleet's workers from their heartbeats, read once per scrape.
  let fleet: WorkersAnswer | null = null;
  if (source.workers) {
    gauge("binpkgbot_fleet_redis_up", "1 when Redis answered the read of the workers' heartbeats, 0 when it did not", [], (g) => g.set(fleet?.workers ? 1 : 0));
    gauge("binpkgbot_fleet_workers", "workers with a live heartbeat, signers (signer=\"true\") and the others", ["signer"], (g) => {
      for (const signer of [true, false]) g.set({ signer: String(signer) }, (fleet?.workers ?? []).filter((worker) => worker.signer === signer).length);
    });
    gauge("binpkgbot_fleet_running_jobs", "steps running on the fleet's workers, by target", ["target"], (g) => {
      const byTarget = new Map<string, number>();
      for (const job of (fleet?.workers ?? []).flatMap((worker) => worker.running)) byTarget.set(job.target, (byTarget.get(job.target) ?? 0) + 1);
      for (const [target, count] of byTarget) g.set({ target }, count);
    });
  }
  // The text stays valid until another connection commits or the facts change (PRAGMA data_version):
  // scrapes between runs cost one pragma, not the scans of the histogram and the totals.
  let last: { key: string; text: string } | null = null;
  return {
    render: async () => {
      fleet = source.workers ? await source.workers() : null;
      const key = JSON.stringify([source.state()?.dataVersion() ?? null, source.state()?.file ?? null, await source.facts(), fleet]);
      if (last?.key !== key) last = { key, text: await registry.metrics() };
      return { contentType: registry.contentType, text: last.text };
    },
  };
}

interface SampleValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** What prom-client's registry asks of a metric (lib/registry.js getMetricsAsString). */
interface CustomMetric {
  name: string;
  get(): Promise<{ name: string; help: string; type: "histogram"; values: SampleValue[]; aggregator: "sum" }>;
}

/**
 * A histogram of ended task results, as Prometheus wants it: counts only grow. Each scrape adds the
 * results that ended since the previous one (by id, src/state/dashboard-queries.ts), so a scrape during
 * a run reads a few rows, not the whole history.
 */
function durationHistogram(source: DashboardSource): CustomMetric {
  const name = "binpkgbot_task_duration_seconds";
  const bounds = DURATION_BUCKETS_SECONDS.map((seconds) => seconds * 1000);
  let seen: { state: unknown; upToId: number; perBucket: number[]; sumMs: number } | null = null;
  return {
    name,
    get: async () => {
      const state = source.state();
      if (seen?.state !== state) seen = { state, upToId: 0, perBucket: new Array<number>(bounds.length + 1).fill(0), sumMs: 0 };
      if (state) {
        const added = state.durationBuckets(bounds, seen.upToId);
        seen.perBucket = seen.perBucket.map((count, index) => count + (added.perBucket[index] ?? 0));
        seen.sumMs += added.sumMs;
        seen.upToId = added.upToId;
      }
      let cumulative = 0;
      const values: SampleValue[] = DURATION_BUCKETS_SECONDS.map((le, index) => ({ metricName: `${name}_bucket`, labels: { le }, value: (cumulative += seen?.perBucket[index] ?? 0) }));
      const count = cumulative + (seen.perBucket[bounds.length] ?? 0);
      values.push(
        { metricName: `${name}_bucket`, labels: { le: "+Inf" }, value: count },
        { metricName: `${name}_sum`, labels: {}, value: seen.sumMs / 1000 },
        { metricName: `${name}_count`, labels: {}, value: count },
      );
      return { name, help: "how long tasks that ended took", type: "histogram", values, aggregator: "sum" };
    },
  };
}

/**
 * Coverage per server from whatever the status shows: a list of {server|name, ratio} or
 * {server|name, covered, total}, or an object of such lists under `servers`.
 */
export function coverageRatios(coverage: unknown): [string, number][] {
  const list = Array.isArray(coverage) ? coverage : Array.isArray((coverage as { servers?: unknown } | null)?.servers) ? (coverage as { servers: unknown[] }).servers : [];
  const out: [string, number][] = [];
  for (const item of list as Record<string, unknown>[]) {
    const server = typeof item?.server === "string" ? item.server : typeof item?.name === "string" ? item.name : null;
    const ratio = typeof item?.ratio === "number" ? item.ratio
      : typeof item?.covered === "number" && typeof item?.total === "number" && item.total > 0 ? item.covered / item.total : null;
    if (server !== null && ratio !== null) out.push([server, ratio]);
  }
  return out;
}
