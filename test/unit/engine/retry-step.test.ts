// The retry loop with a fake step runner: the failures are set here, as the classifier would set them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StepOutcome } from "../../../src/engine/events.js";
import { setImmediate } from "node:timers/promises";
import { formatWait, runWithRetries, sleepUnlessAborted } from "../../../src/engine/retry-step.js";
import type { FailureClass } from "../../../src/failure/failure.js";
import type { HostStep } from "../../../src/plan/plan.js";

const step: HostStep = {
  kind: "host", task: { id: "tmux", kind: "install", title: "install app-misc/tmux", origin: "binpkgbot.yml:3", retries: 2 },
  persist: false, workDir: "/nonexistent/work", logFile: "/nonexistent/tmux.log", files: [], argv: ["/bin/false"], env: {},
};

const failed = (failureClass: FailureClass): StepOutcome => ({
  step, result: "failed", exitCode: 1, durationMs: 10, added: [], reason: "exit code 1",
  failure: { class: failureClass, summary: `${failureClass} of app-misc/tmux-3.5`, fix: [], details: [], packages: [] },
});
const succeeded: StepOutcome = { step, result: "succeeded", exitCode: 0, durationMs: 10, added: [] };

/** Runs the loop over these outcomes, one per attempt; a clock that moves 10 ms per attempt and as much as each wait. */
async function retry(outcomes: StepOutcome[], retries: number, options: { abortInWait?: boolean; abortReason?: string } = {}) {
  const controller = new AbortController();
  let now = 0;
  const waits: number[] = [];
  const notes: string[] = [];
  let attempts = 0;
  const outcome = await runWithRetries(retries, {
    clock: () => now,
    signal: controller.signal,
    sleep: async (ms, signal) => {
      assert.equal(signal, controller.signal, "the wait is given the run's signal");
      waits.push(ms);
      if (options.abortInWait) controller.abort(options.abortReason);
      else now += ms;
    },
    note: async (message) => void notes.push(message),
  }, async () => {
    const next = outcomes[attempts++];
    assert.ok(next, `attempt ${attempts} was not expected`);
    now += 10;
    return next;
  });
  return { outcome, waits, notes, attempts };
}

describe("retrying a step", () => {
  it("retries a fetch failure with a growing wait until an attempt succeeds, and records every attempt", async () => {
    const { outcome, waits, notes, attempts } = await retry([failed("fetch"), failed("fetch"), succeeded], 2);
    assert.equal(attempts, 3);
    assert.deepEqual(waits, [30_000, 60_000]);
    assert.deepEqual(notes, [
      "attempt 2 of 3 after fetch failure: fetch of app-misc/tmux-3.5; waiting 30s",
      "attempt 3 of 3 after fetch failure: fetch of app-misc/tmux-3.5; waiting 1m",
    ]);
    assert.equal(outcome.result, "succeeded");
    assert.equal(outcome.durationMs, 30 + 90_000, "from the first start to the last end, waits included");
    assert.deepEqual(outcome.attempts?.map((a) => [a.attempt, a.startedAt, a.exitCode, a.failureClass, a.summary]), [
      [1, 0, 1, "fetch", "fetch of app-misc/tmux-3.5"],
      [2, 30_010, 1, "fetch", "fetch of app-misc/tmux-3.5"],
      [3, 90_020, 0, null, null],
    ]);
  });

  it("stops after the last retry and returns that failure", async () => {
    const { outcome, attempts, waits } = await retry([failed("fetch"), failed("fetch")], 1);
    assert.equal(attempts, 2);
    assert.deepEqual(waits, [30_000]);
    assert.equal(outcome.result, "failed");
    assert.equal(outcome.failure?.class, "fetch");
    assert.equal(outcome.attempts?.length, 2);
  });

  it("never retries a deterministic failure, an unclassified one or a success; their outcome is unchanged", async () => {
    for (const first of [failed("build"), failed("unknown"), failed("masked"), { ...failed("fetch"), failure: undefined }, succeeded]) {
      const { outcome, attempts, waits } = await retry([first], 5);
      assert.equal(attempts, 1);
      assert.deepEqual(waits, []);
      assert.equal(outcome, first);
    }
  });

  it("retries: 0 makes a fetch failure final at once", async () => {
    const { outcome, attempts } = await retry([failed("fetch")], 0);
    assert.equal(attempts, 1);
    assert.equal(outcome.result, "failed");
  });

  it("a signal during the wait ends the step as interrupted, without another attempt", async () => {
    const { outcome, attempts, waits } = await retry([failed("fetch"), succeeded], 2, { abortInWait: true });
    assert.equal(attempts, 1);
    assert.deepEqual(waits, [30_000]);
    assert.equal(outcome.result, "interrupted");
    assert.equal(outcome.failure, undefined, "an interrupted step carries no failure");
    assert.match(outcome.reason ?? "", /^stopped by a signal while waiting for attempt 2 of 3/);
    assert.equal(outcome.attempts?.length, 1);
  });

  it("a --fail-fast stop during the wait says which task failed", async () => {
    const { outcome, attempts } = await retry([failed("fetch"), succeeded], 2, { abortInWait: true, abortReason: "--fail-fast: gcc failed" });
    assert.equal(attempts, 1);
    assert.equal(outcome.result, "interrupted");
    assert.match(outcome.reason ?? "", /^stopped: --fail-fast: gcc failed while waiting for attempt 2 of 3/);
  });
});

describe("sleepUnlessAborted", () => {
  it("ends as soon as the signal is aborted, without rejecting", async () => {
    const controller = new AbortController();
    let ended = false;
    const waiting = sleepUnlessAborted(10 * 60_000, controller.signal).then(() => void (ended = true));
    await setImmediate();
    assert.equal(ended, false, "still waiting before the signal");
    controller.abort();
    await setImmediate();
    await setImmediate();
    assert.equal(ended, true, "ended by the signal, not by the 10 minutes");
    await waiting;
  });
});

describe("formatWait", () => {
  it("reads as an admin would write it", () => {
    assert.deepEqual([30_000, 60_000, 90_000, 600_000].map(formatWait), ["30s", "1m", "1m30s", "10m"]);
  });
});
