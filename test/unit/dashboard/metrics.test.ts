// GET /metrics parsed as Prometheus text: each family with its HELP and TYPE, values from a real state database.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coverageRatios, createMetrics } from "../../../src/dashboard/metrics.js";
import type { WorkersAnswer } from "../../../src/fleet/queue/read-workers.js";
import { openStateDatabase } from "../../../src/state/database.js";
import { at, runStart, taskStart, tempStateDir } from "../state/state-fixtures.js";

interface Sample { name: string; labels: Record<string, string>; value: number }

/** The exposition format's sample lines (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format). */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] ?? "", type[2] ?? "");
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a sample line: ${line}`);
    const labels = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name: match[1] ?? "", labels, value: Number(match[3]) });
  }
  return { types, samples };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe("metrics", () => {
  it("expose runs by result, the duration histogram, last success per task, binpkgs, running containers, coverage and the last tick", async () => {
    const stateDir = tempStateDir();
    const state = openStateDatabase(stateDir);
    const r1 = state.startRun(runStart(0));
    const a = state.recordTask(taskStart(r1, "a", "f", 0), { result: "succeeded", exitCode: 0, durationMs: 20_000 });
    state.recordTask(taskStart(r1, "b", "f", 1), { result: "failed", exitCode: 1, durationMs: 400_000 });
    state.recordBinpkgs(a, [{ cpv: "app-misc/a-1", buildId: 1, use: [], size: 2048, path: "a.gpkg.tar", slot: "0", eapi: "8", fields: {} }]);
    state.finishRun(r1, { endedAt: at(500), result: "failed" });
    const r2 = state.startRun(runStart(600));
    const running = state.startTask(taskStart(r2, "a", "f", 600));
    const facts = { lastTick: at(600).toISOString(), coverage: { servers: [{ name: "web1", covered: 3, total: 4 }] } };
    const metrics = createMetrics({ state: () => state, facts: async () => facts, now: () => at(700).getTime() });
    const { text, contentType } = await metrics.render();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const { types, samples } = parseExposition(text);
    assert.equal(types.get("binpkgbot_task_duration_seconds"), "histogram");
    assert.equal(types.get("binpkgbot_runs"), "gauge");
    assert.equal(value(samples, "binpkgbot_up"), 1);
    assert.equal(value(samples, "binpkgbot_runs", { result: "failed" }), 1);
    assert.equal(value(samples, "binpkgbot_runs", { result: "running" }), 1);
    assert.equal(value(samples, "binpkgbot_task_duration_seconds_bucket", { le: "30" }), 1);
    assert.equal(value(samples, "binpkgbot_task_duration_seconds_bucket", { le: "300" }), 1);
    assert.equal(value(samples, "binpkgbot_task_duration_seconds_bucket", { le: "600" }), 2);
    assert.equal(value(samples, "binpkgbot_task_duration_seconds_bucket", { le: "+Inf" }), 2);
    assert.equal(value(samples, "binpkgbot_task_duration_seconds_count"), 2);
    assert.equal(value(samples, "binpkgbot_task_duration_seconds_sum"), 420);
    assert.equal(value(samples, "binpkgbot_task_last_success_timestamp_seconds", { task: "a" }), at(0).getTime() / 1000);
    assert.equal(value(samples, "binpkgbot_task_last_success_timestamp_seconds", { task: "b" }), undefined, "b never succeeded");
    assert.equal(value(samples, "binpkgbot_binpkgs"), 1);
    assert.equal(value(samples, "binpkgbot_binpkgs_bytes"), 2048);
    assert.equal(value(samples, "binpkgbot_running_containers"), 1);
    assert.equal(value(samples, "binpkgbot_server_coverage_ratio", { server: "web1" }), 0.75);
    assert.equal(value(samples, "binpkgbot_last_tick_timestamp_seconds"), at(600).getTime() / 1000);
    // The run writes through its own connection, as a run beside the daemon or the dashboard does.
    const writer = openStateDatabase(stateDir);
    writer.recordTask(taskStart(r2, "c", "f", 601), { result: "succeeded", exitCode: 0, durationMs: 5_000 });
    writer.finishTask(running, { result: "succeeded", exitCode: 0, durationMs: 50_000 });
    writer.close();
    const after = parseExposition((await metrics.render()).text).samples;
    assert.equal(value(after, "binpkgbot_task_duration_seconds_count"), 4, "the task that was running when last scraped, and the one after it, are counted once each");
    assert.equal(value(after, "binpkgbot_task_duration_seconds_bucket", { le: "10" }), 1);
    assert.equal(value(after, "binpkgbot_task_duration_seconds_bucket", { le: "60" }), 3);
    assert.equal(value(after, "binpkgbot_task_duration_seconds_sum"), 475);
    assert.equal(value(after, "binpkgbot_running_containers"), 0);
    assert.equal(value((await metrics.render()).text.includes("binpkgbot_task_duration_seconds_count 4") ? after : [], "binpkgbot_task_duration_seconds_count"), 4, "a scrape without a commit counts nothing twice");
    state.close();
  });

  it("read coverage as a list of ratios or of covered/total, and ignore what is neither", () => {
    assert.deepEqual(coverageRatios([{ server: "a", ratio: 0.5 }, { name: "b", covered: 1, total: 0 }, "x"]), [["a", 0.5]]);
    assert.deepEqual(coverageRatios(null), []);
  });

  it("given Redis, count the fleet's workers (signers apart) and their running steps by target, and say when Redis did not answer", async () => {
    const worker = (id: string, signer: boolean, running: string[]): NonNullable<WorkersAnswer["workers"]>[number] => ({
      id, host: id, labels: {}, load: 0, concurrency: 2, signer, targets: [], skipped: [], seenAt: at(0).toISOString(),
      running: running.map((target, index) => ({ target, task: `t${index}`, jobId: `j${index}`, since: at(0).toISOString() })),
    });
    let answer: WorkersAnswer = { workers: [worker("a", true, ["amd64"]), worker("b", false, ["amd64", "arm64"]), worker("c", false, [])], workersError: null };
    const metrics = createMetrics({ state: () => null, facts: async () => ({}), now: () => 0, workers: async () => answer });
    const first = parseExposition((await metrics.render()).text).samples;
    assert.equal(value(first, "binpkgbot_fleet_redis_up"), 1);
    assert.equal(value(first, "binpkgbot_fleet_workers", { signer: "true" }), 1);
    assert.equal(value(first, "binpkgbot_fleet_workers", { signer: "false" }), 2);
    assert.equal(value(first, "binpkgbot_fleet_running_jobs", { target: "amd64" }), 2);
    assert.equal(value(first, "binpkgbot_fleet_running_jobs", { target: "arm64" }), 1);
    answer = { workers: null, workersError: "Redis did not answer" };
    const gone = parseExposition((await metrics.render()).text).samples;
    assert.equal(value(gone, "binpkgbot_fleet_redis_up"), 0, "a new read, not the cached text");
    assert.equal(value(gone, "binpkgbot_fleet_workers", { signer: "false" }), 0);
    assert.equal(value(gone, "binpkgbot_fleet_running_jobs", { target: "amd64" }), undefined);
    const without = parseExposition((await createMetrics({ state: () => null, facts: async () => ({}), now: () => 0 }).render()).text).samples;
    assert.equal(without.some((sample) => sample.name.startsWith("binpkgbot_fleet_")), false, "no fleet gauges without Redis");
  });
});
