// A Failure as lines for a person: the run summary, `binpkgbot log` and the notification mail show the
// same shape, so that what one says is easy to find in the other.
import type { Failure } from "./failure.js";

export interface FailureLinesOptions {
  /** Put before every line: the block sits under its task. */
  indent: string;
  /** Show at most this many detail lines (all when absent). */
  maxDetails?: number;
  /** Where the rest of the details are, said when some are left out ("binpkgbot log TASK"). */
  moreDetails?: string;
  /** Cut longer detail lines (emerge's lines can be long); fix lines are never cut, people copy them. */
  width?: number;
}

/** "build: app-misc/broken-1.0 failed in src_compile" */
export function renderFailureHeadline(failure: Failure): string {
  return `${failure.class}: ${failure.summary}`;
}

/** The fix lines, then the details ("> "), then the build log. */
export function renderFailureLines(failure: Failure, options: FailureLinesOptions): string[] {
  const { indent, maxDetails = failure.details.length } = options;
  const shown = failure.details.slice(0, maxDetails);
  const left = failure.details.length - shown.length;
  const cut = (line: string): string => (options.width !== undefined && line.length > options.width ? `${line.slice(0, options.width - 1)}…` : line);
  return [
    ...failure.fix.map((line) => `${indent}fix: ${line}`),
    ...shown.map((line) => cut(`${indent}> ${line}`)),
    ...(left > 0 ? [`${indent}> … ${left} more line(s)${options.moreDetails ? `: ${options.moreDetails}` : ""}`] : []),
    ...(failure.buildLog ? [`${indent}build log: ${failure.buildLog}`] : []),
  ];
}
