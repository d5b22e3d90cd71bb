import assert from "node:assert/strict";
import { test } from "node:test";
import { renderLogHeader } from "../../../src/engine/log-header.js";

test("a task log starts with the command, the time, the stage generation and the fingerprint", () => {
  const text = renderLogHeader({
    taskId: "install-app-misc-tmux", runId: "20261201T120000Z-4242",
    argv: ["systemd-nspawn", "--quiet", "--setenv=USE=a b", "emerge", "app-misc/tmux"],
    startedAt: new Date("2026-12-01T12:00:01.250Z"), stageGeneration: "gen-3", fingerprint: "ab".repeat(32),
  });
  assert.equal(text, [
    "# binpkgbot task install-app-misc-tmux, run 20261201T120000Z-4242",
    "# command: systemd-nspawn --quiet '--setenv=USE=a b' emerge app-misc/tmux",
    "# started: 2026-12-01T12:00:01.250Z",
    "# stage generation: gen-3",
    `# fingerprint: ${"ab".repeat(32)}`,
    "", "",
  ].join("\n"));
});

test("says so where no fingerprint or stage generation was read (the sync step, a run without a database)", () => {
  const text = renderLogHeader({ taskId: "sync", runId: "r", argv: ["emerge", "--sync"], startedAt: new Date(0), stageGeneration: null, fingerprint: null });
  assert.match(text, /^# stage generation: not read$/m);
  assert.match(text, /^# fingerprint: none \(not used to skip this task\)$/m);
});
