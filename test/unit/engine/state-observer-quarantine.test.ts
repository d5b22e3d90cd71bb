// The state observer's decision for a task that failed deterministically, on a real SQLite file and a
// stage, etc_portage and repository in a temporary directory. The steps' failures are set here, as the
// classifier sets them.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { Config } from "../../../src/config/config.js";
import type { StepAttempt, StepDecision, StepOutcome, StepResult } from "../../../src/engine/events.js";
import { didNotSucceed } from "../../../src/engine/perform-run.js";
import { createStateObserver } from "../../../src/engine/state-observer.js";
import type { Exec } from "../../../src/exec/exec.js";
import type { FailureClass } from "../../../src/failure/failure.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { openStateDatabase } from "../../../src/state/database.js";
import { observerConfig } from "../../support/observer-config.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-quarantine-"));
after(() => rm(root, { recursive: true, force: true }));

const noExec: Exec = { run: async (argv) => assert.fail(`nothing is run here: ${argv.join(" ")}`) };
const T0 = Date.UTC(2026, 10, 26, 3, 15, 0);

const setUp = (name: string): Promise<Config> => observerConfig(path.join(root, name));

interface Attempt {
  result: StepResult;
  failureClass?: FailureClass;
  attempts?: StepAttempt[];
}

let lastDecision: StepDecision | undefined;

/** Run number `run` (minutes after T0): the skip reason, or null after running the task to `attempt`'s end. */
async function decide(config: Config, run: number, attempt: Attempt | null, force: ReadonlySet<string> = new Set()): Promise<string | null> {
  const db = openStateDatabase(config.stateDir);
  const now = (): Date => new Date(T0 + run * 60_000);
  try {
    const runId = db.startRun({ startedAt: now(), trigger: "timer", configFile: config.file, configHash: "h" });
    const observer = createStateObserver({ db, runId, config, exec: noExec, now, binpkgbotVersion: "0.1.0", force });
    const [step] = planRun({ config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: `r${runId}` }).steps;
    assert.ok(step);
    const decision = await observer.beforeStep(step);
    lastDecision = decision;
    if (decision.skip === null && attempt !== null) {
      observer.stepStarted(step, decision.fingerprint);
      const failure = attempt.failureClass ? { class: attempt.failureClass, summary: "app-misc/tmux failed", fix: [], details: [], packages: [] } : undefined;
      await observer.stepFinished({ step, result: attempt.result, exitCode: attempt.result === "succeeded" ? 0 : 1, durationMs: 5, added: [], failure, attempts: attempt.attempts });
    }
    db.finishRun(runId, { endedAt: now(), result: "succeeded" });
    return decision.skip;
  } finally {
    db.close();
  }
}

const STILL_FAILING = /^still failing since 2026-11-26 03:16:00Z; inputs unchanged \(binpkgbot run --force tmux to try again\)$/;

describe("the state observer and quarantine", () => {
  it("skips a task that failed deterministically while its inputs stay the same, dating it from the first failure", async () => {
    const config = await setUp("same-inputs");
    assert.equal(await decide(config, 0, { result: "succeeded" }), null);
    await writeFile(path.join(config.etcPortage, "package.license"), "app-misc/tmux MIT\n");
    assert.equal(await decide(config, 1, { result: "failed", failureClass: "build" }), null, "changed inputs: it runs, and fails");
    assert.match(await decide(config, 2, { result: "succeeded" }) ?? "", STILL_FAILING);
    assert.match(await decide(config, 3, null) ?? "", STILL_FAILING, "the next tick too");
    assert.equal(await decide(config, 4, { result: "failed", failureClass: "build" }, new Set(["tmux"])), null, "--force tmux runs it");
    assert.match(await decide(config, 5, null) ?? "", STILL_FAILING, "it failed again: still the streak that began at 03:16");
    await writeFile(path.join(config.etcPortage, "package.license"), "app-misc/tmux MIT GPL-2\n");
    assert.equal(await decide(config, 6, { result: "succeeded" }), null, "an input changed: it runs, and now succeeds");
    assert.match(await decide(config, 7, null) ?? "", /^unchanged since its last success/, "the success ended the quarantine");
  });

  it("marks a quarantine as still failing, so the run does not succeed; a skip of an unchanged success does not", async () => {
    const config = await setUp("still-failing");
    assert.equal(await decide(config, 0, { result: "failed", failureClass: "masked" }), null);
    assert.match(await decide(config, 1, null) ?? "", /^still failing since/);
    assert.equal(lastDecision?.quarantined, true);
    const step = planRun({ config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r" }).steps[0];
    assert.ok(step);
    const skipped = (stillFailing: boolean): StepOutcome => ({ step, result: "skipped", exitCode: null, durationMs: 0, added: [], ...(stillFailing ? { stillFailing } : {}) });
    assert.equal(didNotSucceed(skipped(true)), true);
    assert.equal(didNotSucceed(skipped(false)), false);
    await writeFile(path.join(config.etcPortage, "package.license"), "app-misc/tmux MIT\n");
    assert.equal(await decide(config, 2, { result: "succeeded" }), null);
    assert.match(await decide(config, 3, null) ?? "", /^unchanged since its last success/);
    assert.equal(lastDecision?.quarantined, undefined);
  });

  it("does not quarantine a transient, interrupted or unclassified failure", async () => {
    const config = await setUp("transient");
    assert.equal(await decide(config, 0, { result: "failed", failureClass: "fetch" }), null);
    assert.equal(await decide(config, 1, { result: "interrupted", failureClass: "interrupted" }), null, "after a fetch failure it runs again");
    assert.equal(await decide(config, 2, { result: "failed" }), null, "an interruption never starts a quarantine");
    assert.equal(await decide(config, 3, null), null, "a failure without a class does not either");
  });

  it("records the attempts of a retried task", async () => {
    const config = await setUp("attempts");
    const attempts: StepAttempt[] = [
      { attempt: 1, startedAt: T0, durationMs: 5, exitCode: 1, failureClass: "fetch", summary: "could not fetch tmux-3.5.tar.gz" },
      { attempt: 2, startedAt: T0 + 30_000, durationMs: 5, exitCode: 0, failureClass: null, summary: null },
    ];
    await decide(config, 0, { result: "succeeded", attempts });
    const db = openStateDatabase(config.stateDir);
    try {
      const log = db.taskLog("tmux");
      assert.equal(log?.result.attempts, 2);
      assert.deepEqual(log?.attempts.map((a) => [a.attempt, a.startedAt.getTime(), a.failureClass]), [[1, T0, "fetch"], [2, T0 + 30_000, null]]);
    } finally {
      db.close();
    }
  });
});
