import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSchedule, nextTick, type Schedule } from "../../../src/daemon/schedule.js";

function parsed(text: string): Schedule {
  const result = parseSchedule(text);
  assert.ok(result.ok, result.ok ? "" : result.message);
  return result.schedule;
}

function message(text: string): string {
  const result = parseSchedule(text);
  assert.ok(!result.ok, `'${text}' must be rejected`);
  return result.message;
}

// Local time, as cron reads it: these hold whatever TZ the tests run in (no DST change in these weeks).
const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date => new Date(y, mo - 1, d, h, mi, s);

function nextAfter(text: string, after: Date): Date | null {
  return nextTick(parsed(text), after);
}

describe("intervals", () => {
  it("reads seconds, minutes, hours, days and sums", () => {
    assert.deepEqual(parsed("90s"), { kind: "interval", text: "90s", ms: 90_000 });
    assert.equal((parsed("30m") as { ms: number }).ms, 1_800_000);
    assert.equal((parsed("6h") as { ms: number }).ms, 21_600_000);
    assert.equal((parsed("1h30m") as { ms: number }).ms, 5_400_000);
    assert.equal((parsed("1d") as { ms: number }).ms, 86_400_000);
  });

  it("counts from now", () => {
    assert.deepEqual(nextAfter("30m", local(2026, 11, 26, 3, 14, 15)), local(2026, 11, 26, 3, 44, 15));
  });

  it("rejects what is not one", () => {
    assert.match(message("30"), /'30' has no unit/);
    assert.match(message("0s"), /shorter than one second/);
    assert.match(message("soon"), /neither an interval nor a cron expression/);
    assert.match(message("30 minutes"), /5 fields/);
  });
});

describe("cron", () => {
  it("every 30 minutes: the next half hour, never the same minute", () => {
    assert.deepEqual(nextAfter("*/30 * * * *", local(2026, 11, 26, 3, 14, 15)), local(2026, 11, 26, 3, 30));
    assert.deepEqual(nextAfter("*/30 * * * *", local(2026, 11, 26, 3, 30, 0)), local(2026, 11, 26, 4, 0));
    assert.deepEqual(nextAfter("*/30 * * * *", local(2026, 11, 26, 23, 45)), local(2026, 11, 27, 0, 0));
  });

  it("ranges, lists, steps and names", () => {
    assert.deepEqual(nextAfter("15 2-4/2 * * *", local(2026, 11, 26, 2, 15)), local(2026, 11, 26, 4, 15));
    assert.deepEqual(nextAfter("0 9 * * mon-fri", local(2026, 11, 27, 10)), local(2026, 11, 30, 9, 0), "Friday 10:00 → Monday 9:00");
    assert.deepEqual(nextAfter("0 0 1 jan,jul *", local(2026, 11, 26)), local(2027, 1, 1));
    assert.deepEqual(nextAfter("5/20 * * * *", local(2026, 11, 26, 3, 26)), local(2026, 11, 26, 3, 45));
  });

  it("7 is Sunday, and @daily and friends are shortcuts", () => {
    assert.deepEqual(nextAfter("0 12 * * 7", local(2026, 11, 26)), local(2026, 11, 29, 12, 0));
    assert.deepEqual(nextAfter("@daily", local(2026, 11, 26, 3)), local(2026, 11, 27, 0, 0));
    assert.deepEqual(nextAfter("@hourly", local(2026, 11, 26, 3, 0)), local(2026, 11, 26, 4, 0));
  });

  it("restricted day of month and day of week: either one matches (crontab(5))", () => {
    // Thursday 26 November: the 1st is next Tuesday; a Sunday comes first.
    assert.deepEqual(nextAfter("0 0 1 * sun", local(2026, 11, 26)), local(2026, 11, 29));
    assert.deepEqual(nextAfter("0 0 1 * *", local(2026, 11, 26)), local(2026, 12, 1));
  });

  it("February 29 is found in the next leap year", () => {
    assert.deepEqual(nextAfter("0 0 29 2 *", local(2026, 11, 26)), local(2028, 2, 29));
  });

  it("rejects bad fields with the field named", () => {
    assert.match(message("60 * * * *"), /minute 60 is outside 0-59/);
    assert.match(message("* 24 * * *"), /hour 24 is outside 0-23/);
    assert.match(message("* * * foo *"), /month 'foo' is not a number or a name like jan/);
    assert.match(message("*/0 * * * *"), /step .* at least 1/);
    assert.match(message("5-1 * * * *"), /goes backwards/);
    assert.match(message("0 0 30 2 *"), /never matches/);
  });
});
