// What binpkgbot tells people about: a task that starts failing or recovers, and a run that cannot start.

export type NotificationEvent = "failed" | "recovered" | "run-not-started" | "config-invalid";

/** The webhook's JSON body, and what a mail says. */
export interface Notification {
  event: NotificationEvent;
  /** The task id, for failed and recovered. */
  task: string | null;
  /** The run's id in the state database, where there is one. */
  run: number | null;
  /** The task's result (failed, succeeded). */
  result: string | null;
  /** Why: the task's failure, the lock holder, the config's issues. */
  reason: string | null;
  host: string;
  /** ISO 8601. */
  time: string;
}

export function describeNotification(notification: Notification): string {
  const { event, task, reason } = notification;
  switch (event) {
    case "failed":
      return `task ${task ?? "?"} failed${reason ? `: ${reason}` : ""}`;
    case "recovered":
      return `task ${task ?? "?"} succeeded again`;
    case "run-not-started":
      return `a run could not start${reason ? `: ${reason}` : ""}`;
    case "config-invalid":
      return `the edited config is invalid; the previous one stays in use${reason ? `: ${reason}` : ""}`;
    default: {
      const never: never = event;
      throw new Error(`unhandled notification ${JSON.stringify(never)}`);
    }
  }
}
