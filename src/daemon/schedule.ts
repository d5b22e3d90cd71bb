// When the daemon runs: `schedule` in binpkgbot.yml is an interval ("30m", "6h", "1h30m", "90s") or a
// five-field cron expression ("*/30 * * * *", see cron.ts). Pure: the current time comes in.
// Intervals are bounded: a Date holds ±8.64e15 ms, and a time past it would be an Invalid Date.
import { nextCronTime, parseCron, type CronFields } from "./cron.js";

export type Schedule =
  | { kind: "interval"; text: string; ms: number }
  | { kind: "cron"; text: string; fields: CronFields };

export type ScheduleParse = { ok: true; schedule: Schedule } | { ok: false; message: string; hint: string };

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const HINT = "write an interval such as '90s', '30m', '6h' or '1h30m', or a cron expression such as '*/30 * * * *'";
const CRON_HINT = "write five fields in croner's syntax, e.g. '*/30 * * * *' or '0 3 * * mon-fri', syntax at https://croner.56k.guru; or an interval such as '6h'";
export const MAX_INTERVAL_MS = 365 * UNIT_MS.d!;
const RANGE_HINT = "an interval is from 1s to 365d; for rarer runs write a cron expression such as '0 3 1 1 *'";

export function parseSchedule(text: string): ScheduleParse {
  const trimmed = text.trim();
  if (/^(\d+[smhd])+$/.test(trimmed)) return parseInterval(trimmed);
  if (/^\d+$/.test(trimmed)) return { ok: false, message: `'${abbreviate(trimmed)}' has no unit`, hint: unitHint(abbreviate(trimmed)) };
  if (!/\s/.test(trimmed) && !trimmed.startsWith("@")) return { ok: false, message: `'${abbreviate(text)}' is neither an interval nor a cron expression`, hint: HINT };
  const cron = parseCron(trimmed);
  if (!cron.ok) return { ok: false, message: cron.message, hint: cron.problem === "shape" ? HINT : CRON_HINT };
  if (nextCronTime(cron.fields, new Date(0)) === null) return { ok: false, message: `the cron expression '${text}' never matches a date`, hint: "check the day of month against the month" };
  return { ok: true, schedule: { kind: "cron", text: trimmed, fields: cron.fields } };
}

function parseInterval(text: string): ScheduleParse {
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)([smhd])/g)) ms += Number(amount) * (UNIT_MS[unit ?? "s"] ?? 0);
  if (ms < 1_000) return { ok: false, message: `the interval '${text}' is shorter than one second`, hint: RANGE_HINT };
  // `!(ms <= max)`: a 400-digit amount reads as Infinity.
  if (!(ms <= MAX_INTERVAL_MS)) return { ok: false, message: `the interval '${abbreviate(text)}' is longer than 365 days`, hint: RANGE_HINT };
  return { ok: true, schedule: { kind: "interval", text, ms } };
}

function unitHint(amount: string): string {
  return `say '${amount}s', '${amount}m' or '${amount}h'`;
}

/** A 400-digit interval in a message would drown it. */
function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 20)}…${text.slice(-10)} (${text.length} characters)` : text;
}

/** The next tick strictly after `now` (an interval counts from `now`); null: never again, or past what a Date holds. */
export function nextTick(schedule: Schedule, now: Date): Date | null {
  if (!Number.isFinite(now.getTime())) return null;
  const next = nextTime(schedule, now);
  return next !== null && Number.isFinite(next.getTime()) ? next : null;
}

function nextTime(schedule: Schedule, now: Date): Date | null {
  switch (schedule.kind) {
    case "interval":
      return new Date(now.getTime() + schedule.ms);
    case "cron":
      return nextCronTime(schedule.fields, now);
    default: {
      const never: never = schedule;
      throw new Error(`unhandled schedule ${JSON.stringify(never)}`);
    }
  }
}
