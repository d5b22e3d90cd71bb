// Pure: whether a failed attempt of a step is tried again within the run, and after how long. Only
// transient failures are (a mirror that was down, a dropped connection); deterministic ones fail the
// same way every time, so they are never retried and, while their inputs stay unchanged, quarantined.
import { isTransient, type Failure, type FailureClass } from "./failure.js";

/** More attempts after the first, where neither the config nor the task says (`retries`). */
export const DEFAULT_RETRIES = 2;
/** The most `retries` takes: with the backoff below, 10 retries already wait over an hour in all. */
export const MAX_RETRIES = 10;

/** 30 s before the first retry, doubling after each, never more than 10 minutes between two attempts. */
export const BACKOFF = { firstMs: 30_000, factor: 2, maxMs: 10 * 60_000 };

/** The wait before retry number `retry` (1: the second attempt). */
export function retryDelayMs(retry: number): number {
  return Math.min(BACKOFF.firstMs * BACKOFF.factor ** (retry - 1), BACKOFF.maxMs);
}

export type RetryDecision =
  | { retry: false }
  | { retry: true; /** The attempt about to start, from 2. */ attempt: number; /** All attempts allowed. */ of: number; delayMs: number };

/**
 * After attempt number `attempt` (from 1) failed with `failure`: try again while it is transient and
 * `retries` (more attempts after the first) are left. A failure without a class is not retried.
 */
export function decideRetry(failure: Pick<Failure, "class"> | undefined, attempt: number, retries: number): RetryDecision {
  if (failure === undefined || !isTransient(failure) || attempt > retries) return { retry: false };
  return { retry: true, attempt: attempt + 1, of: retries + 1, delayMs: retryDelayMs(attempt) };
}

/**
 * A failure of this class, with the same inputs, fails again: the task is quarantined until they
 * change. Transient classes are not, nor an interruption (it says nothing about the inputs), nor a
 * failure nobody classified (null).
 */
export function quarantines(failureClass: FailureClass | null): boolean {
  return failureClass !== null && failureClass !== "interrupted" && !isTransient({ class: failureClass });
}
