// Pure: which run directories (logs/RUN, work/RUN under state_dir) log_retention lets go. Time and the
// liveness of processes come in as arguments.
import type { LogRetention } from "../config/log-retention.js";

export interface RunDirectory {
  /** The directory name: a run id (makeRunId), `shell-` and a run id, or anything else. */
  name: string;
  /** The run's process is still alive (and is not the one deciding): the run is in progress. */
  inProgress: boolean;
}

export interface RetentionInput {
  runs: readonly RunDirectory[];
  /** Runs holding the newest log of some task: kept, so `binpkgbot log TASK` always has something. */
  newestOfATask: ReadonlySet<string>;
  retention: LogRetention;
  now: Date;
}

const DAY_MS = 86_400_000;
const RUN_ID = /^(?:shell-)?(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})?Z-\d+$/;

/** When the run started, from its id; null for a name binpkgbot did not make (never removed). */
export function runIdTime(name: string): Date | null {
  const match = RUN_ID.exec(name);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, ms] = match.map((part) => Number(part ?? 0));
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second, ms));
}

/** The names of the runs whose directories may go, oldest first. */
export function selectExpiredRuns(input: RetentionInput): string[] {
  const dated = input.runs
    .map((run) => ({ ...run, startedAt: runIdTime(run.name) }))
    .filter((run): run is RunDirectory & { startedAt: Date } => run.startedAt !== null)
    .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.name < b.name ? -1 : 1));
  const retained = retainedByRule(dated, input.retention, input.now);
  return dated
    .filter((run) => !run.inProgress && !input.newestOfATask.has(run.name) && !retained.has(run.name))
    .map((run) => run.name);
}

function retainedByRule(oldestFirst: readonly { name: string; startedAt: Date }[], retention: LogRetention, now: Date): Set<string> {
  switch (retention.kind) {
    case "runs":
      return new Set(oldestFirst.slice(-retention.count).map((run) => run.name));
    case "days": {
      const cutoff = now.getTime() - retention.days * DAY_MS;
      return new Set(oldestFirst.filter((run) => run.startedAt.getTime() >= cutoff).map((run) => run.name));
    }
    default: {
      const never: never = retention;
      throw new Error(`unhandled log retention ${JSON.stringify(never)}`);
    }
  }
}
