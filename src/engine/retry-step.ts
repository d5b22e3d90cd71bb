// Runs a step again after a transient failure (src/failure/retry-policy.ts decides whether and when),
// so that a mirror that was down for a minute does not fail the run. Each attempt runs on its own
// cleanup stack, so a signal while waiting between two attempts leaves nothing behind.
import { setTimeout as delay } from "node:timers/promises";
import { decideRetry } from "../failure/retry-policy.js";
import type { StepAttempt, StepOutcome } from "./events.js";
import { stoppedReason } from "./scheduler.js";

export interface RetryDeps {
  /** Milliseconds, for durations. */
  clock: () => number;
  signal: AbortSignal;
  /** Waits `ms`, or less when `signal` is aborted; never rejects. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Says, in the task's log and to the person watching, that the step runs again. */
  note: (message: string) => Promise<void>;
}

/** The real `sleep`: a timer that an aborted signal ends at once. */
export async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * Calls `attemptOnce` until it does not fail transiently or `retries` more attempts are used up. A
 * retried step's outcome lists every attempt and lasts from the first start to the end of the last.
 */
export async function runWithRetries(retries: number, deps: RetryDeps, attemptOnce: () => Promise<StepOutcome>): Promise<StepOutcome> {
  const started = deps.clock();
  const attempts: StepAttempt[] = [];
  for (let attempt = 1; ; attempt++) {
    const attemptStarted = deps.clock();
    const outcome = await attemptOnce();
    attempts.push(describeAttempt(attempt, attemptStarted, outcome));
    const decision = outcome.result === "failed" ? decideRetry(outcome.failure, attempt, retries) : { retry: false as const };
    const whole = { ...outcome, durationMs: deps.clock() - started, attempts };
    if (!decision.retry) return attempt === 1 ? outcome : whole;
    const cause = outcome.failure ? `${outcome.failure.class} failure: ${outcome.failure.summary}` : "failure";
    await deps.note(`attempt ${decision.attempt} of ${decision.of} after ${cause}; waiting ${formatWait(decision.delayMs)}`);
    await deps.sleep(decision.delayMs, deps.signal);
    if (deps.signal.aborted) {
      const { failure: _failure, ...rest } = whole;
      return { ...rest, result: "interrupted", durationMs: deps.clock() - started, reason: `${stoppedReason(deps.signal)} while waiting for attempt ${decision.attempt} of ${decision.of}` };
    }
  }
}

function describeAttempt(attempt: number, startedAt: number, outcome: StepOutcome): StepAttempt {
  return {
    attempt, startedAt, durationMs: outcome.durationMs, exitCode: outcome.exitCode,
    failureClass: outcome.failure?.class ?? null, summary: outcome.failure?.summary ?? outcome.reason ?? null,
  };
}

/** 30s, 2m, 1m30s: as an admin reads a wait. */
export function formatWait(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const rest = seconds % 60;
  return `${Math.floor(seconds / 60)}m${rest > 0 ? `${rest}s` : ""}`;
}
