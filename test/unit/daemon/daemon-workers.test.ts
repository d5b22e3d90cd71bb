// binpkgbot daemon --redis: its /status shows the fleet's workers; without, nothing changes.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createConfigLoader } from "../../../src/daemon/config-texts.js";
import { startDaemon } from "../../../src/daemon/daemon.js";
import type { Logger } from "../../../src/daemon/log.js";
import { nodeExec } from "../../../src/exec/exec.js";
import type { WorkersAnswer } from "../../../src/fleet/queue/read-workers.js";
import type { Notifier } from "../../../src/notify/notifier.js";

const ANSWER: WorkersAnswer = { workers: null, workersError: "the workers are not known: Redis at redis://127.0.0.1:1/0 did not answer (connect ECONNREFUSED 127.0.0.1:1)" };

async function daemonStatus(t: { after(fn: () => Promise<void>): void }, workers?: () => Promise<WorkersAnswer>): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-daemon-workers-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "binpkgbot.yml");
  await writeFile(file, `stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nstate_dir: ${dir}/state\nstatus_listen: 127.0.0.1:0\nschedule: 1h\ntasks:\n  - install: app-misc/a\n`);
  const loader = createConfigLoader(file);
  const first = loader.load();
  if (!first.ok) assert.fail("the config loads");
  const lines: string[] = [];
  const log: Logger = { info: (_e, m) => void lines.push(m), warning: (_e, m) => void lines.push(m), error: (_e, m) => void lines.push(m) };
  const notifier: Notifier = { taskResults: async () => undefined, problem: async () => undefined, serverCoverage: async () => undefined };
  const stop = new AbortController();
  const daemon = await startDaemon({
    config: first.config, reloadConfig: () => loader.load(), log, notifier, exec: nodeExec, env: {}, now: () => new Date(0), signal: stop.signal,
    performRun: async () => assert.fail("no run in this test"), readChangeKey: async () => "key",
    clock: { now: () => 0, setTimer: () => () => undefined }, watch: { intervalMs: 3_600_000, debounceMs: 0 }, ...(workers ? { workers } : {}),
  });
  t.after(async () => {
    stop.abort();
    await daemon.stopped;
  });
  const url = /status at (http:\/\/\S+)\/status/.exec(lines.join("\n"))?.[1];
  assert.ok(url, lines.join("\n"));
  return (await (await fetch(`${url}/status`, { signal: AbortSignal.timeout(5000) })).json()) as Record<string, unknown>;
}

test("the daemon's /status carries the workers' answer where it was given Redis", async (t) => {
  const status = await daemonStatus(t, () => Promise.resolve(ANSWER));
  assert.equal(status.workers, null);
  assert.equal(status.workersError, ANSWER.workersError);
});

test("without Redis the daemon's /status has no workers", async (t) => {
  const status = await daemonStatus(t);
  assert.equal(Object.hasOwn(status, "workers"), false);
  assert.equal(status.ok, true);
});
