// The state observer on a real SQLite file: a task is skipped only while every input is the same,
// across database reopenings; binpkgbot's own version is one of the inputs.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Config } from "../../src/config/config.js";
import { createStateObserver } from "../../src/engine/state-observer.js";
import { nodeExec } from "../../src/exec/exec.js";
import { planRun } from "../../src/plan/plan-run.js";
import { openStateDatabase } from "../../src/state/database.js";
import { observerConfig } from "../support/observer-config.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-observer-"));
after(() => rm(root, { recursive: true, force: true }));

const setUp = (): Promise<Config> => observerConfig(root);

/** Asks whether the task would be skipped; if not, records an attempt that ends with `attempt` (none: not started). */
async function decide(config: Config, version: string, attempt: "succeeded" | "failed" | null): Promise<string | null> {
  const db = openStateDatabase(config.stateDir);
  try {
    const runId = db.startRun({ startedAt: new Date(), trigger: "manual", configFile: config.file, configHash: "h" });
    const observer = createStateObserver({ db, runId, config, exec: nodeExec, now: () => new Date(), binpkgbotVersion: version, force: new Set() });
    const [step] = planRun({ config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: `r${runId}` }).steps;
    assert.ok(step);
    const decision = await observer.beforeStep(step);
    if (decision.skip === null && attempt !== null) {
      observer.stepStarted(step, decision.fingerprint);
      await observer.stepFinished({ step, result: attempt, exitCode: attempt === "succeeded" ? 0 : 1, durationMs: 5, added: [] });
    }
    db.finishRun(runId, { endedAt: new Date(), result: "succeeded" });
    return decision.skip;
  } finally {
    db.close();
  }
}

test("skipped while nothing changes; a new binpkgbot version, or a failed attempt with the same inputs, makes it run", async () => {
  const config = await setUp();
  assert.equal(await decide(config, "0.1.0", "succeeded"), null, "first run");
  assert.match((await decide(config, "0.1.0", "succeeded")) ?? "", /^unchanged since its last success/, "reopened database, same inputs");
  assert.equal(await decide(config, "0.2.0", "failed"), null, "a new version of binpkgbot");
  assert.equal(await decide(config, "0.2.0", "failed"), null, "the attempt with 0.2.0 failed (its fingerprint is recorded), so it runs again");
  assert.equal(await decide(config, "0.2.0", "succeeded"), null, "still failed before, so it runs and now succeeds");
  assert.match((await decide(config, "0.2.0", null)) ?? "", /^unchanged since its last success/);
});
