// Five-field cron expressions (minute hour day-of-month month day-of-week) in croner's syntax
// (https://croner.56k.guru): ranges, steps, lists, names (jan, mon), L, W, #, @daily and friends.
// croner handles daylight-saving changes as Vixie cron does: a fixed time in a skipped hour runs
// after the gap, a repeated hour runs fixed times once. Pure: the time to start from comes in.
import { Cron } from "croner";

/** A parsed expression; only nextCronTime reads it. */
export interface CronFields {
  readonly cron: Cron;
}

/** `shape`: not five fields, perhaps not meant as cron at all; `syntax`: a field croner rejects. */
export type CronParse = { ok: true; fields: CronFields } | { ok: false; problem: "shape" | "syntax"; message: string };

export interface CronOptions {
  /** An IANA time zone; none: the local time, as cron(8). */
  timezone?: string;
}

export function parseCron(text: string, options: CronOptions = {}): CronParse {
  const trimmed = text.trim();
  const fields = trimmed.startsWith("@") ? 5 : trimmed.split(/\s+/).length;
  if (fields !== 5) return { ok: false, problem: "shape", message: `a cron expression has 5 fields (minute hour day month weekday), '${text}' has ${fields}` };
  try {
    // paused and without a function, croner arms no timer: it only computes times.
    // sloppyRanges keeps 'a/n' (a, a+n, … to the end of the field, as crontab(5) readers expect).
    const cron = new Cron(trimmed, { paused: true, mode: "5-part", sloppyRanges: true, ...options });
    return { ok: true, fields: { cron } };
  } catch (error) {
    return { ok: false, problem: "syntax", message: `cron expression '${text}': ${(error as Error).message.replace(/^CronPattern: /, "")}` };
  }
}

/** The first whole minute strictly after `after` that matches; null if there is none. */
export function nextCronTime(fields: CronFields, after: Date): Date | null {
  return fields.cron.nextRun(after);
}
