// What the daemon is doing right now, for GET /status: updated from the engine's events.
import type { EngineEvent } from "../engine/events.js";

export interface CurrentActivity {
  /** "sync": the repository sync; "tasks": the tasks. */
  phase: "sync" | "tasks";
  startedAt: string;
  /** The task running now; null between tasks. */
  task: string | null;
  taskStartedAt: string | null;
}

export interface ActivityTracker {
  current(): CurrentActivity | null;
  begin(phase: CurrentActivity["phase"], now: Date): void;
  observe(event: EngineEvent, now: Date): void;
  end(): void;
}

export function createActivityTracker(): ActivityTracker {
  let activity: CurrentActivity | null = null;
  return {
    current: () => (activity === null ? null : { ...activity }),
    begin(phase, now) {
      activity = { phase, startedAt: now.toISOString(), task: null, taskStartedAt: null };
    },
    observe(event, now) {
      if (activity === null) return;
      if (event.kind === "step-start") activity = { ...activity, task: event.step.task.id, taskStartedAt: now.toISOString() };
      if (event.kind === "step-end") activity = { ...activity, task: null, taskStartedAt: null };
    },
    end() {
      activity = null;
    },
  };
}
