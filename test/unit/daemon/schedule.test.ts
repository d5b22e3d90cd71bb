import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextCronTime, parseCron } from "../../../src/daemon/cron.js";
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

  it("are bounded to 1s-365d, so that no next time falls past what a Date holds", () => {
    assert.equal((parsed("365d") as { ms: number }).ms, 365 * 86_400_000);
    assert.match(message("366d"), /'366d' is longer than 365 days/);
    assert.match(message("200000000d"), /longer than 365 days/);
    const digits = `${"9".repeat(400)}s`;
    assert.match(message(digits), /^the interval '9{20}…9{9}s \(401 characters\)' is longer than 365 days$/, "Infinity is out of range too, and the message stays short");
    const result = parseSchedule(digits);
    assert.match(result.ok ? "" : result.hint, /from 1s to 365d/);
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
    assert.match(message("60 * * * *"), /'60 \* \* \* \*': Invalid value for minute: 60/);
    assert.match(message("* 24 * * *"), /Invalid value for hour: 24/);
    assert.match(message("* * * foo *"), /entry 4 \(foo\) contains illegal characters/);
    assert.match(message("*/0 * * * *"), /illegal stepping: 0/);
    assert.match(message("5-1 * * * *"), /From value is larger than to value: '5-1'/);
    assert.match(message("0 0 * * 5#6"), /nth weekday out of range/);
    assert.match(message("0 0 * * * *"), /5 fields .* has 6/, "no seconds field: a build schedule counts in minutes");
    assert.match(message("@reboot"), /@reboot is not supported/);
    assert.match(message("0 0 30 2 *"), /never matches/);
  });

  it("the last day (L), the nearest weekday (W) and the nth weekday (#)", () => {
    assert.deepEqual(nextAfter("0 3 L * *", local(2026, 2, 10)), local(2026, 2, 28, 3, 0));
    assert.deepEqual(nextAfter("0 3 * * fri#L", local(2026, 11, 1)), local(2026, 11, 27, 3, 0), "the last Friday of November 2026");
    assert.deepEqual(nextAfter("0 3 * * mon#2", local(2026, 11, 1)), local(2026, 11, 9, 3, 0));
    assert.deepEqual(nextAfter("0 3 15W * *", local(2026, 11, 1)), local(2026, 11, 16, 3, 0), "Sunday the 15th: Monday the 16th");
    assert.deepEqual(nextAfter("0 12 1 * +mon", local(2026, 11, 26)), local(2027, 2, 1, 12, 0), "+: the 1st and a Monday");
  });
});

// Europe/Berlin leaves CET (UTC+1) for CEST (UTC+2) at 02:00 on 29 March 2026 and comes back at 03:00 on 25 October 2026.
describe("cron over daylight-saving changes", () => {
  const berlin = (text: string) => {
    const result = parseCron(text, { timezone: "Europe/Berlin" });
    assert.ok(result.ok);
    return result.fields;
  };
  const runs = (text: string, from: string, count: number): string[] => {
    const fields = berlin(text);
    const times: string[] = [];
    let at: Date | null = new Date(from);
    for (let i = 0; i < count && at; i += 1) {
      at = nextCronTime(fields, at);
      if (at) times.push(at.toISOString());
    }
    return times;
  };

  it("a fixed time in the skipped hour runs after the gap, the same day", () => {
    assert.deepEqual(runs("30 2 * * *", "2026-03-28T12:00:00Z", 2), ["2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"]);
  });

  it("a fixed time in the repeated hour runs once", () => {
    assert.deepEqual(runs("30 2 * * *", "2026-10-24T12:00:00Z", 2), ["2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"]);
  });

  it("every 30 minutes skips the hour that does not exist and runs through both copies of the repeated one", () => {
    assert.deepEqual(runs("*/30 * * * *", "2026-03-29T00:10:00Z", 3), ["2026-03-29T00:30:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z"]);
    assert.deepEqual(runs("*/30 2 * * *", "2026-10-24T23:50:00Z", 4),
      ["2026-10-25T00:00:00.000Z", "2026-10-25T00:30:00.000Z", "2026-10-25T01:00:00.000Z", "2026-10-25T01:30:00.000Z"]);
  });
});
