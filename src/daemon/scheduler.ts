// Calls `onTick` at each tick of a schedule, never twice at once: a tick that comes while the previous
// one is still running is skipped (and reported), not queued. The clock and timers come in, so tests
// drive it with a fake clock.
import { nextTick, type Schedule } from "./schedule.js";

export interface SchedulerClock {
  now(): number;
  /** Calls `fn` after `ms`; the returned function cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

export interface SchedulerHooks {
  onTick(at: Date): Promise<void>;
  /** A tick came while the previous one was running; it is dropped. */
  onSkip(at: Date): void;
  /** onTick rejected; the scheduler goes on. */
  onError(error: unknown): void;
  /** When the next tick is due (null: the schedule never matches again). */
  onArmed?(at: Date | null): void;
}

export interface Scheduler {
  /** Ticks now, then on the schedule. */
  start(): void;
  /** One tick now, besides the schedule (dropped, like any, while one runs). */
  tickNow(): void;
  /** Takes effect for the next tick: re-arms the timer from now. */
  setSchedule(schedule: Schedule): void;
  readonly running: boolean;
  /** No more ticks; resolves when the running one, if any, has ended. */
  stop(): Promise<void>;
}

// setTimeout takes at most 2^31-1 ms (about 24.8 days); longer waits re-arm on the way.
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createScheduler(initial: Schedule, clock: SchedulerClock, hooks: SchedulerHooks): Scheduler {
  let schedule = initial;
  let cancel: (() => void) | null = null;
  let current: Promise<void> | null = null;
  let stopped = false;

  const tick = (at: Date): void => {
    if (stopped) return;
    if (current) {
      hooks.onSkip(at);
      return;
    }
    current = hooks.onTick(at).catch(hooks.onError).finally(() => {
      current = null;
    });
  };

  const arm = (): void => {
    cancel?.();
    cancel = null;
    if (stopped) return;
    const due = nextTick(schedule, new Date(clock.now()));
    hooks.onArmed?.(due);
    if (due === null) return;
    const wait = (): void => {
      const left = due.getTime() - clock.now();
      if (left > MAX_TIMER_MS) {
        cancel = clock.setTimer(wait, MAX_TIMER_MS);
        return;
      }
      cancel = clock.setTimer(() => {
        cancel = null;
        arm();
        tick(due);
      }, Math.max(0, left));
    };
    wait();
  };

  return {
    start() {
      arm();
      tick(new Date(clock.now()));
    },
    tickNow() {
      tick(new Date(clock.now()));
    },
    setSchedule(next) {
      schedule = next;
      arm();
    },
    get running() {
      return current !== null;
    },
    async stop() {
      stopped = true;
      cancel?.();
      cancel = null;
      await current;
    },
  };
}
