import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSchedule, type Schedule } from "../../../src/daemon/schedule.js";
import { createScheduler, type SchedulerClock } from "../../../src/daemon/scheduler.js";

function schedule(text: string): Schedule {
  const result = parseSchedule(text);
  assert.ok(result.ok);
  return result.schedule;
}

const MAX_SET_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * A clock whose time moves only when the test says; due timers fire in order. Delays are taken as
 * Node's setTimeout takes them: above 2^31-1 ms, below 1 ms or not a number, it waits 1 ms
 * (https://nodejs.org/api/timers.html#settimeoutcallback-delay-args).
 */
function fakeClock(start = 1_000_000): SchedulerClock & { advance(ms: number): Promise<void>; pending(): number; longest: number } {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    now: () => now,
    longest: 0,
    setTimer(fn, ms) {
      const id = nextId++;
      this.longest = Math.max(this.longest, ms);
      timers.set(id, { at: now + (ms >= 1 && ms <= MAX_SET_TIMEOUT_MS ? ms : 1), fn });
      return () => timers.delete(id);
    },
    pending: () => timers.size,
    async advance(ms) {
      const end = now + ms;
      await settle();
      for (;;) {
        const due = [...timers.entries()].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
        await settle();
      }
      now = end;
      await settle();
    },
  };
}

/** A tick that lasts until the test ends it. */
function controlledTicks() {
  const started: number[] = [];
  const finish: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  return {
    started, get maxActive() { return maxActive; },
    endCurrent: () => finish.shift()?.(),
    onTick: (at: Date) => new Promise<void>((resolve) => {
      started.push(at.getTime());
      active += 1;
      maxActive = Math.max(maxActive, active);
      finish.push(() => {
        active -= 1;
        resolve();
      });
    }),
  };
}

describe("scheduler", () => {
  it("ticks at start, then on the interval", async () => {
    const clock = fakeClock();
    const ticks: number[] = [];
    const scheduler = createScheduler(schedule("10s"), clock, { onTick: async (at) => void ticks.push(at.getTime()), onSkip: () => assert.fail("no skip"), onError: assert.fail });
    scheduler.start();
    await clock.advance(35_000);
    assert.deepEqual(ticks, [1_000_000, 1_010_000, 1_020_000, 1_030_000]);
    await scheduler.stop();
    assert.equal(clock.pending(), 0, "stop cancels the timer");
  });

  it("never runs two ticks at once: ticks during a long run are skipped, not queued", async () => {
    const clock = fakeClock();
    const ticks = controlledTicks();
    const skipped: number[] = [];
    const scheduler = createScheduler(schedule("1s"), clock, { onTick: ticks.onTick, onSkip: (at) => void skipped.push(at.getTime()), onError: assert.fail });
    scheduler.start();
    await clock.advance(3_500);
    assert.deepEqual(ticks.started, [1_000_000]);
    assert.deepEqual(skipped, [1_001_000, 1_002_000, 1_003_000]);
    assert.equal(scheduler.running, true);
    ticks.endCurrent();
    await clock.advance(0);
    assert.equal(scheduler.running, false);
    await clock.advance(1_000);
    assert.deepEqual(ticks.started, [1_000_000, 1_004_000], "the next tick after the run, once");
    assert.equal(ticks.maxActive, 1);
    ticks.endCurrent();
    await scheduler.stop();
  });

  it("goes on after a tick that throws", async () => {
    const clock = fakeClock();
    const errors: unknown[] = [];
    let count = 0;
    const scheduler = createScheduler(schedule("1s"), clock, {
      onTick: async () => {
        count += 1;
        throw new Error(`boom ${count}`);
      },
      onSkip: () => undefined, onError: (error) => void errors.push(error),
    });
    scheduler.start();
    await clock.advance(2_000);
    assert.equal(count, 3);
    assert.deepEqual(errors.map((error) => (error as Error).message), ["boom 1", "boom 2", "boom 3"]);
    await scheduler.stop();
  });

  it("a new schedule takes effect from now", async () => {
    const clock = fakeClock();
    const ticks: number[] = [];
    const scheduler = createScheduler(schedule("1h"), clock, { onTick: async (at) => void ticks.push(at.getTime()), onSkip: () => undefined, onError: assert.fail });
    scheduler.start();
    await clock.advance(5_000);
    scheduler.setSchedule(schedule("10s"));
    await clock.advance(10_000);
    assert.deepEqual(ticks, [1_000_000, 1_015_000]);
    await scheduler.stop();
  });

  it("stop waits for the running tick, and no tick starts after it", async () => {
    const clock = fakeClock();
    const ticks = controlledTicks();
    const scheduler = createScheduler(schedule("1s"), clock, { onTick: ticks.onTick, onSkip: () => undefined, onError: assert.fail });
    scheduler.start();
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await clock.advance(5_000);
    assert.equal(stopped, false, "still running");
    ticks.endCurrent();
    await stopping;
    await clock.advance(5_000);
    assert.deepEqual(ticks.started, [1_000_000]);
  });

  it("waits 40 days in steps setTimeout can take: no tick until the 40 days are over", async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 1));
    const ticks: number[] = [];
    const scheduler = createScheduler(schedule("40d"), clock, { onTick: async (at) => void ticks.push(at.getTime()), onSkip: () => undefined, onError: assert.fail });
    scheduler.start();
    await clock.advance(200);
    assert.equal(ticks.length, 1, "a 40-day delay given to setTimeout whole would fire after 1 ms");
    await clock.advance(39 * 86_400_000);
    assert.equal(ticks.length, 1);
    await clock.advance(86_400_000);
    assert.deepEqual(ticks, [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 40 * 86_400_000]);
    assert.ok(clock.longest <= MAX_SET_TIMEOUT_MS, `a timer of ${clock.longest} ms`);
    await scheduler.stop();
  });

  it("a next time past what a Date holds arms nothing and throws nothing: no more ticks", async () => {
    const clock = fakeClock();
    const ticks: Date[] = [];
    const armed: (Date | null)[] = [];
    const huge: Schedule = { kind: "interval", text: "200000000d", ms: 200_000_000 * 86_400_000 };
    const scheduler = createScheduler(huge, clock, {
      onTick: async (at) => void ticks.push(at), onSkip: (at) => void at.toISOString(), onError: assert.fail, onArmed: (at) => void armed.push(at),
    });
    scheduler.start();
    await clock.advance(200);
    assert.deepEqual(ticks, [new Date(1_000_000)], "the tick at start only");
    assert.deepEqual(armed, [null]);
    assert.equal(clock.pending(), 0);
    await scheduler.stop();
  });
});
