// A Failure as stored in the state database (task_results.failure) and read back. The database can be
// older than this binpkgbot or edited by hand, so reading never throws: anything that is not a whole
// Failure reads as null, the same as "no failure recorded".
import { FAILURE_CLASSES, type Failure, type FailureClass } from "./failure.js";

export function renderFailureJson(failure: Failure): string {
  return JSON.stringify(failure);
}

/** The Failure in `text`, with only its known keys; null for null, bad JSON or a wrong shape. */
export function parseFailureJson(text: string | null): Failure | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const { summary, fix, details, packages, buildLog, phase } = record;
  if (!isFailureClass(record.class) || typeof summary !== "string") return null;
  if (!isStrings(fix) || !isStrings(details) || !isStrings(packages)) return null;
  if (!isOptionalString(buildLog) || !isOptionalString(phase)) return null;
  return {
    class: record.class, summary, fix, details, packages,
    ...(buildLog === undefined ? {} : { buildLog }), ...(phase === undefined ? {} : { phase }),
  };
}

function isFailureClass(value: unknown): value is FailureClass {
  return typeof value === "string" && (FAILURE_CLASSES as readonly string[]).includes(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === "string";
}
