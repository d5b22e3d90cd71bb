// What a run reports while it goes: the CLI prints these, the log and (later) the state database record them.
import type { BinpkgEntry } from "../portage/packages-index.js";
import type { Step } from "../plan/plan.js";

export type StepResult = "succeeded" | "failed" | "interrupted" | "not-run";

export interface StepOutcome {
  step: Step;
  result: StepResult;
  exitCode: number | null;
  durationMs: number;
  /** Binpkgs the step added to PKGDIR, from the Packages index before and after. */
  added: BinpkgEntry[];
  /** Why it failed or was not run, for the summary. */
  reason?: string;
}

export type EngineEvent =
  | { kind: "notice"; message: string }
  | { kind: "warning"; message: string }
  | { kind: "step-start"; step: Step; index: number; total: number }
  | { kind: "output"; step: Step; stream: "stdout" | "stderr"; text: string }
  | { kind: "step-end"; outcome: StepOutcome; index: number; total: number };
