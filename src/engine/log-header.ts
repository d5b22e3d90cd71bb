// The first lines of every task log, so that a log read weeks later says what ran, when, on which stage
// generation and with which fingerprint (the one `binpkgbot history` and the skip decision use). Pure.
import { quoteWord } from "../plan/render-plan.js";

export interface LogHeader {
  taskId: string;
  runId: string;
  argv: readonly string[];
  startedAt: Date;
  /** readStageGenerationId(): gen-N, plain or missing; null where no state database watches the run. */
  stageGeneration: string | null;
  /** null: not computed (the sync step, or a run without a state database). */
  fingerprint: string | null;
}

/** `#` lines, then a blank line; the output of the command follows. */
export function renderLogHeader(header: LogHeader): string {
  return [
    `# binpkgbot task ${header.taskId}, run ${header.runId}`,
    `# command: ${header.argv.map(quoteWord).join(" ")}`,
    `# started: ${header.startedAt.toISOString()}`,
    `# stage generation: ${header.stageGeneration ?? "not read"}`,
    `# fingerprint: ${header.fingerprint ?? "none (not used to skip this task)"}`,
    "", "",
  ].join("\n");
}
