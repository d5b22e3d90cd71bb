import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideRetry, quarantines, retryDelayMs } from "../../../src/failure/retry-policy.js";

describe("retry policy", () => {
  it("waits 30 s before the first retry, doubling after each, never more than 10 minutes", () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 10].map(retryDelayMs), [30_000, 60_000, 120_000, 240_000, 480_000, 600_000, 600_000, 600_000]);
  });

  it("retries a transient failure while retries are left, numbering the attempts", () => {
    const fetch = { class: "fetch" } as const;
    assert.deepEqual(decideRetry(fetch, 1, 2), { retry: true, attempt: 2, of: 3, delayMs: 30_000 });
    assert.deepEqual(decideRetry(fetch, 2, 2), { retry: true, attempt: 3, of: 3, delayMs: 60_000 });
    assert.deepEqual(decideRetry(fetch, 3, 2), { retry: false }, "all three attempts used");
    assert.deepEqual(decideRetry(fetch, 1, 0), { retry: false }, "retries: 0 gives one attempt");
  });

  it("never retries a deterministic failure, nor one without a class", () => {
    for (const failureClass of ["build", "masked", "unknown", "disk-full", "interrupted"] as const) {
      assert.deepEqual(decideRetry({ class: failureClass }, 1, 5), { retry: false }, failureClass);
    }
    assert.deepEqual(decideRetry(undefined, 1, 5), { retry: false });
  });

  it("quarantines deterministic and unknown classes, never transient, interrupted or unclassified ones", () => {
    assert.deepEqual(
      [quarantines("build"), quarantines("unknown"), quarantines("masked"), quarantines("fetch"), quarantines("interrupted"), quarantines(null)],
      [true, true, true, false, false, false],
    );
  });
});
