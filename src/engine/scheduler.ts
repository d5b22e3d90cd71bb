// Runs a step graph (src/plan/step-graph.ts) with up to `jobs` steps at once: which step may start is
// the graph's answer, this loop only starts them, waits, and stops. It knows nothing about containers:
// `run` carries out one step, so tests drive it with a fake runner, and `run`, the daemon and a fleet
// worker can share it.
import { readySteps, type StepGraph } from "../plan/step-graph.js";

export interface ScheduleOptions<R> {
  graph: StepGraph;
  /** At most this many steps run at once (at least 1). */
  jobs: number;
  /** Aborted on SIGINT/SIGTERM: nothing new starts, and every running step's signal aborts. */
  signal: AbortSignal;
  /**
   * Carries out step `index`. Its signal aborts when the run stops (a signal, a failure that stops the
   * run); the signal's reason then says why. It must not reject: a failure is a result.
   */
  run: (index: number, signal: AbortSignal) => Promise<R>;
  /** Why nothing more may run after this result, or null. The first reason wins; it also stops the running steps. */
  stopAfter: (index: number, result: R) => string | null;
  /**
   * The steps expected to start next (as many as `jobs`), each once per turn of the loop, so that their files
   * can be laid out while others run; `ready`: every
   * step it depends on has finished (it waits only for a free slot), so nothing before it changes the stage now.
   */
  upNext?: (index: number, ready: boolean) => void;
}

export interface Schedule<R> {
  /** By step index: only the steps that ran (or were skipped by `run` itself). */
  results: Map<number, R>;
  /** Why the run stopped before every step ran (a `stopAfter` reason); null if it did not stop that way. */
  stopReason: string | null;
}

/** Reason of a running step's signal when SIGINT/SIGTERM stopped the run. */
export const SIGNAL_REASON = "stopped by a signal";

/** Why a step was stopped: its signal's reason (a signal, or a failure such as --fail-fast naming the failed task). */
export function stoppedReason(signal: AbortSignal): string {
  return typeof signal.reason === "string" && signal.reason !== SIGNAL_REASON ? `stopped: ${signal.reason}` : SIGNAL_REASON;
}

export async function runSchedule<R>(options: ScheduleOptions<R>): Promise<Schedule<R>> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort(SIGNAL_REASON);
  if (options.signal.aborted) onSignal();
  options.signal.addEventListener("abort", onSignal, { once: true });
  const state = new ScheduleState(options, stop);
  const jobs = Math.max(1, Math.floor(options.jobs));
  const next = firstNotStarted(options.graph.groups.flat(), (index) => state.finished.has(index) || state.running.has(index));
  try {
    for (;;) {
      if (!stop.signal.aborted) {
        startReady(options.graph, jobs, state);
        // As many as may run at once: with `jobs` containers, that many may need theirs when the running end.
        for (const index of next(jobs)) options.upNext?.(index, (options.graph.dependencies[index] ?? []).every((before) => state.finished.has(before)));
      }
      if (state.running.size === 0) break;
      await Promise.race(state.running.values());
    }
  } finally {
    options.signal.removeEventListener("abort", onSignal);
  }
  if (state.errors.length > 0) throw state.errors[0];
  return { results: state.results, stopReason: state.stopReason };
}

/** The steps started, running and finished; the first reason to stop. */
class ScheduleState<R> {
  readonly results = new Map<number, R>();
  readonly finished = new Set<number>();
  readonly running = new Map<number, Promise<void>>();
  readonly errors: unknown[] = [];
  stopReason: string | null = null;

  constructor(private readonly options: ScheduleOptions<R>, private readonly stop: AbortController) {}

  start(index: number): void {
    const done = this.options.run(index, this.stop.signal).then((result) => {
      this.results.set(index, result);
      this.ended(index);
      const reason = this.options.stopAfter(index, result);
      if (reason !== null && this.stopReason === null && !this.stop.signal.aborted) {
        this.stopReason = reason;
        this.stop.abort(reason);
      }
    }, (error: unknown) => {
      this.ended(index);
      this.errors.push(error);
      this.stop.abort(error instanceof Error ? error.message : String(error));
    });
    this.running.set(index, done);
  }

  private ended(index: number): void {
    this.finished.add(index);
    this.running.delete(index);
  }
}

/** The first `count` steps of `order` not started yet; a cursor, since steps start in that order. */
function firstNotStarted(order: readonly number[], started: (index: number) => boolean): (count: number) => number[] {
  let cursor = 0;
  return (count) => {
    while (cursor < order.length && started(order[cursor] as number)) cursor++;
    return order.slice(cursor, cursor + count);
  };
}

function startReady<R>(graph: StepGraph, jobs: number, state: ScheduleState<R>): void {
  if (state.running.size >= jobs) return;
  for (const index of readySteps(graph, state.finished, new Set(state.running.keys()))) {
    if (state.running.size >= jobs) break;
    state.start(index);
  }
}
