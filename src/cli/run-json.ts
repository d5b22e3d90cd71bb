// `binpkgbot run --json`: the run's result as a document for other programs, instead of the summary
// table. Versioned: a change that removes or renames a key raises RUN_JSON_VERSION.
import type { PerformedRun } from "../engine/perform-run.js";
import type { StepOutcome } from "../engine/events.js";

export const RUN_JSON_VERSION = 1;

export function renderRunJson(run: Pick<PerformedRun, "runId" | "result" | "outcome"> & { plan: Pick<PerformedRun["plan"], "logDir"> }): string {
  return JSON.stringify({
    version: RUN_JSON_VERSION,
    run: run.runId,
    result: run.result,
    logDir: run.plan.logDir,
    steps: run.outcome.steps.map(renderStep),
  }, null, 2);
}

function renderStep(outcome: StepOutcome) {
  const { step } = outcome;
  return {
    task: step.task.id,
    kind: step.task.kind,
    title: step.task.title,
    result: outcome.result,
    exitCode: outcome.exitCode,
    durationMs: Math.round(outcome.durationMs),
    reason: outcome.reason ?? null,
    logFile: step.logFile,
    added: outcome.added.map((entry) => ({ cpv: entry.cpv, buildId: entry.buildId ?? null, use: entry.use, path: entry.path })),
    /** The whole Failure (src/failure/failure.ts); null when the step did not fail or was not classified. */
    failure: outcome.failure ?? null,
  };
}
