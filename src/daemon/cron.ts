// Five-field cron expressions as crontab(5) describes them: minute hour day-of-month month day-of-week,
// each `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those; months and days
// of the week may be names (jan, mon); 7 is Sunday too. Pure: the time to start from comes in.

export interface CronFields {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** crontab(5): when both day fields are restricted, a day matching either one runs. */
  dayOfMonthRestricted: boolean;
  dayOfWeekRestricted: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

const SHORTCUTS: Record<string, string> = {
  "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
};

export type CronParse = { ok: true; fields: CronFields } | { ok: false; message: string };

export function parseCron(text: string): CronParse {
  const expanded = SHORTCUTS[text.trim().toLowerCase()] ?? text;
  const parts = expanded.trim().split(/\s+/);
  if (parts.length !== 5) return { ok: false, message: `a cron expression has 5 fields (minute hour day month weekday), '${text}' has ${parts.length}` };
  const sets: Set<number>[] = [];
  for (const [index, spec] of FIELDS.entries()) {
    const parsed = parseField(parts[index] ?? "", spec);
    if (typeof parsed === "string") return { ok: false, message: parsed };
    sets.push(parsed);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (daysOfWeek.delete(7)) daysOfWeek.add(0);
  return {
    ok: true,
    fields: {
      minutes, hours, daysOfMonth, months, daysOfWeek,
      dayOfMonthRestricted: !(parts[2] ?? "").startsWith("*"),
      dayOfWeekRestricted: !(parts[4] ?? "").startsWith("*"),
    },
  };
}

/** The field's values, or a message saying what is wrong with it. */
function parseField(text: string, spec: FieldSpec): Set<number> | string {
  const values = new Set<number>();
  for (const item of text.split(",")) {
    const match = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i.exec(item);
    if (!match) return `${spec.name} '${item}' is not a number, a range a-b, * or a step */n`;
    const step = match[2] === undefined ? 1 : Number(match[2]);
    if (step < 1) return `${spec.name} step '${item}' must be at least 1`;
    const range = rangeOf(match[1] ?? "", spec, match[2] !== undefined);
    if (typeof range === "string") return range;
    for (let value = range[0]; value <= range[1]; value += step) values.add(value);
  }
  return values;
}

function rangeOf(text: string, spec: FieldSpec, stepped: boolean): [number, number] | string {
  if (text === "*") return [spec.min, spec.name === "day of week" ? 6 : spec.max];
  const [from, to] = text.split("-");
  const start = valueOf(from ?? "", spec);
  // crontab(5): "a/n" means a, a+n, … up to the end of the field.
  const end = to === undefined ? (stepped ? spec.max : start) : valueOf(to, spec);
  if (typeof start === "string") return start;
  if (typeof end === "string") return end;
  if (start > end) return `${spec.name} range '${text}' goes backwards`;
  return [start, end];
}

function valueOf(text: string, spec: FieldSpec): number | string {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  const value = named >= 0 ? named + (spec.min === 1 ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value)) return `${spec.name} '${text}' is not a number${spec.names ? ` or a name like ${spec.names[0]}` : ""}`;
  if (value < spec.min || value > spec.max) return `${spec.name} ${value} is outside ${spec.min}-${spec.max}`;
  return value;
}

function dayMatches(fields: CronFields, date: Date): boolean {
  const dom = fields.daysOfMonth.has(date.getDate());
  const dow = fields.daysOfWeek.has(date.getDay());
  if (fields.dayOfMonthRestricted && fields.dayOfWeekRestricted) return dom || dow;
  return dom && dow;
}

// Enough for any valid expression: Feb 29 on a given weekday comes round within 28 years.
const SEARCH_DAYS = 366 * 28;

/** The first whole minute strictly after `after`, in local time, that matches; null if none in 28 years. */
export function nextCronTime(fields: CronFields, after: Date): Date | null {
  const time = new Date(after.getTime());
  time.setSeconds(0, 0);
  time.setMinutes(time.getMinutes() + 1);
  const limit = after.getTime() + SEARCH_DAYS * 86_400_000;
  while (time.getTime() <= limit) {
    if (!fields.months.has(time.getMonth() + 1)) {
      time.setMonth(time.getMonth() + 1, 1);
      time.setHours(0, 0, 0, 0);
    } else if (!dayMatches(fields, time)) {
      time.setDate(time.getDate() + 1);
      time.setHours(0, 0, 0, 0);
    } else if (!fields.hours.has(time.getHours())) {
      time.setHours(time.getHours() + 1, 0, 0, 0);
    } else if (!fields.minutes.has(time.getMinutes())) {
      time.setMinutes(time.getMinutes() + 1, 0, 0);
    } else {
      return time;
    }
  }
  return null;
}
