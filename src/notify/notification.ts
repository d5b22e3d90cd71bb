// What binpkgbot tells people about: a task that starts failing, is quarantined or recovers, a run
// that cannot start, and a server that becomes uncovered or covered again.
import type { Failure } from "../failure/failure.js";

export type NotificationEvent = "failed" | "quarantined" | "recovered" | "run-not-started" | "config-invalid" | "uncovered" | "covered";

/** The webhook's JSON body, and what a mail says. */
export interface Notification {
  event: NotificationEvent;
  /** The task id, for failed, quarantined and recovered. */
  task: string | null;
  /** The run's id in the state database, where there is one. */
  run: number | null;
  /** The task's result (failed, succeeded). */
  result: string | null;
  /** Why: the task's failure, the lock holder, the config's issues. */
  reason: string | null;
  /** Why a failed task failed, with the fix (src/failure/failure.ts); null when none was found or for other events. */
  failure: Failure | null;
  /** The server, for uncovered and covered (absent for other events). */
  server?: string;
  host: string;
  /** ISO 8601. */
  time: string;
}

export function describeNotification(notification: Notification): string {
  const { event, task, reason, failure } = notification;
  switch (event) {
    case "failed":
      if (failure !== null) return `task ${task ?? "?"} failed (${failure.class}): ${failure.summary}`;
      return `task ${task ?? "?"} failed${reason ? `: ${reason}` : ""}`;
    case "quarantined": {
      const why = failure !== null ? ` (${failure.class}): ${failure.summary}` : reason ? `: ${reason}` : "";
      return `task ${task ?? "?"} failed${why}; it is not rebuilt until its inputs change (binpkgbot run --force ${task ?? "TASK"} to try again)`;
    }
    case "recovered":
      return `task ${task ?? "?"} succeeded again`;
    case "run-not-started":
      return `a run could not start${reason ? `: ${reason}` : ""}`;
    case "config-invalid":
      return `the edited config is invalid; the previous one stays in use${reason ? `: ${reason}` : ""}`;
    case "uncovered":
      return `server ${notification.server ?? "?"} would compile: ${reason ?? "see binpkgbot coverage"}`;
    case "covered":
      return `server ${notification.server ?? "?"} is covered again: 0 to compile`;
    default: {
      const never: never = event;
      throw new Error(`unhandled notification ${JSON.stringify(never)}`);
    }
  }
}
