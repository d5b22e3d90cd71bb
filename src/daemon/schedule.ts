// When the daemon runs: `schedule` in binpkgbot.yml is an interval ("30m", "6h", "1h30m", "90s") or a
// five-field cron expression ("*/30 * * * *", see cron.ts). Pure: the current time comes in.
import { nextCronTime, parseCron, type CronFields } from "./cron.js";

export type Schedule =
  | { kind: "interval"; text: string; ms: number }
  | { kind: "cron"; text: string; fields: CronFields };

export type ScheduleParse = { ok: true; schedule: Schedule } | { ok: false; message: string; hint: string };

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const HINT = "write an interval such as '90s', '30m', '6h' or '1h30m', or a cron expression such as '*/30 * * * *'";

export function parseSchedule(text: string): ScheduleParse {
  const trimmed = text.trim();
  if (/^(\d+[smhd])+$/.test(trimmed)) {
    let ms = 0;
    for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhd])/g)) ms += Number(amount) * (UNIT_MS[unit ?? "s"] ?? 0);
    if (ms < 1_000) return { ok: false, message: `the interval '${text}' is shorter than one second`, hint: HINT };
    return { ok: true, schedule: { kind: "interval", text: trimmed, ms } };
  }
  if (/^\d+$/.test(trimmed)) return { ok: false, message: `'${text}' has no unit`, hint: `say '${trimmed}s', '${trimmed}m' or '${trimmed}h'` };
  if (!/\s/.test(trimmed) && !trimmed.startsWith("@")) return { ok: false, message: `'${text}' is neither an interval nor a cron expression`, hint: HINT };
  const cron = parseCron(trimmed);
  if (!cron.ok) return { ok: false, message: cron.message, hint: HINT };
  if (nextCronTime(cron.fields, new Date(0)) === null) return { ok: false, message: `the cron expression '${text}' never matches a date`, hint: "check the day of month against the month" };
  return { ok: true, schedule: { kind: "cron", text: trimmed, fields: cron.fields } };
}

/** The next tick strictly after `now` (an interval counts from `now`); null: never again. */
export function nextTick(schedule: Schedule, now: Date): Date | null {
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
