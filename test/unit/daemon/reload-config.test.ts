// A reload of a config whose include is hostile: the daemon reports it and keeps the config it has.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createConfigLoader } from "../../../src/daemon/config-texts.js";
import { startDaemon } from "../../../src/daemon/daemon.js";
import type { Logger } from "../../../src/daemon/log.js";
import { nodeExec } from "../../../src/exec/exec.js";
import type { Notifier } from "../../../src/notify/notifier.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nstatus_listen: false\nschedule: 1h\n";

test("a reload whose include overflows the YAML parser keeps the daemon and its config", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-reload-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const root = path.join(dir, "binpkgbot.yml");
  await writeFile(root, `${HEAD}tasks:\n  - include: extra.yml\n`);
  await writeFile(path.join(dir, "extra.yml"), "- install: app-misc/a\n");
  const loader = createConfigLoader(root);
  const first = loader.load();
  if (!first.ok) assert.fail("the first config loads");

  const lines: string[] = [];
  const problems: (string | null)[] = [];
  const log: Logger = { info: (_e, m) => void lines.push(`info: ${m}`), warning: (_e, m) => void lines.push(`warning: ${m}`), error: (_e, m) => void lines.push(`error: ${m}`) };
  const notifier: Notifier = { taskResults: async () => undefined, problem: async (_kind, reason) => void problems.push(reason), serverCoverage: async () => undefined };
  const stop = new AbortController();
  const daemon = await startDaemon({
    config: first.config, reloadConfig: () => loader.load(), log, notifier, exec: nodeExec, env: {}, now: () => new Date(0), signal: stop.signal,
    performRun: async () => assert.fail("no run in this test"), readChangeKey: async () => "key",
    clock: { now: () => 0, setTimer: () => () => undefined }, watch: { intervalMs: 3_600_000, debounceMs: 0 },
  });

  // 130,000 parse errors: once enough to overflow the stack while they were collected.
  await writeFile(path.join(dir, "extra.yml"), ":\n".repeat(130_000));
  daemon.reload("SIGHUP");
  assert.match(lines.at(-1) ?? "", /^error: SIGHUP, but the config has \d+ problem\(s\): the previous config stays in use/);
  assert.ok(lines.length < 60, `${lines.length} log lines`);
  assert.ok((problems.at(-1) ?? "").split("\n").length <= 51, "the notification lists a bounded number of problems");
  assert.match(problems.at(-1) ?? "", /and \d+ more problems, not listed/);

  await writeFile(path.join(dir, "extra.yml"), "- install: app-misc/b\n");
  daemon.reload("SIGHUP");
  assert.match(lines.at(-1) ?? "", /^info: SIGHUP: config reloaded \(1 task\(s\)/, "the daemon is still alive and reloads a fixed config");
  stop.abort();
  await daemon.stopped;
});
