// log_retention: how long run logs and work files are kept. Pure: the value in, a rule or an issue out.
import type { ConfigIssue } from "./issues.js";

/** Keep the logs of the newest `count` runs, or of runs that started less than `days` days ago. */
export type LogRetention = { kind: "runs"; count: number } | { kind: "days"; days: number };

/** A month of hourly daemon runs that built something, and any run an admin may still ask about. */
export const DEFAULT_LOG_RETENTION = "30d";

/** `20` keeps the newest 20 runs; `'30d'` keeps runs of the last 30 days. */
export function normalizeLogRetention(value: number | string, report: (issue: Omit<ConfigIssue, "file">) => void): LogRetention {
  if (typeof value === "number") return { kind: "runs", count: value };
  const days = /^\s*(\d+)\s*d\s*$/.exec(value);
  if (days && Number(days[1]) >= 1) return { kind: "days", days: Number(days[1]) };
  report({ path: ["log_retention"], message: `'${value}' is neither a number of runs nor a number of days`, hint: "e.g. log_retention: 20 (runs) or log_retention: 30d (days)" });
  return { kind: "days", days: 30 };
}
