// Why a step failed, as data: decided from emerge's output and exit status (src/failure/classify.ts),
// shown by the run summary, status, history, log, notifications and --json, and kept in the state database.

/** Every class a failed step can get. The README's "When a build fails" lists what to do for each. */
export const FAILURE_CLASSES = [
  "masked",
  "use-change-needed",
  "required-use",
  "blocker",
  "slot-conflict",
  "unsatisfied-dependency",
  "fetch",
  "build",
  "disk-full",
  "out-of-memory",
  "interrupted",
  "host",
  "variant-missing",
  "unknown",
] as const;

export type FailureClass = (typeof FAILURE_CLASSES)[number];

/**
 * Classes that may pass on a second try within the run (a mirror that was down); they are retried
 * (`retries`). All others are deterministic: the same inputs fail the same way, so they are never retried
 * and, while the inputs stay unchanged, quarantined.
 */
export const TRANSIENT_CLASSES: ReadonlySet<FailureClass> = new Set<FailureClass>(["fetch"]);

export interface Failure {
  class: FailureClass;
  /** One line: what failed, for the run summary and notifications ("app-misc/broken-1.0 failed in src_compile"). */
  summary: string;
  /** What to do, one line each: the modifier to add, the package.use lines, the command to run. */
  fix: string[];
  /** The evidence, one line each: packages involved, proposed lines, URLs tried, last error lines. */
  details: string[];
  /** Packages (atoms or CPVs) the failure names, for the dashboard and --json. */
  packages: string[];
  /** Portage's build log of the failed package, on the host (inside the task's log directory). */
  buildLog?: string;
  /** The ebuild phase that failed (src_compile, …), for class "build". */
  phase?: string;
}

export function isTransient(failure: Pick<Failure, "class">): boolean {
  return TRANSIENT_CLASSES.has(failure.class);
}
