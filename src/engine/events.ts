// What a run reports while it goes: the CLI prints these, the log and (later) the state database record them.
import type { BinpkgEntry } from "../portage/packages-index.js";
import type { Step } from "../plan/plan.js";

export type StepResult = "succeeded" | "failed" | "interrupted" | "not-run" | "skipped";

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

export interface StepDecision {
  skip: string | null;
  fingerprint: string | null;
  stageGeneration: string | null;
}

/**
 * Decides, before a step, whether it must run, and records what happened. The state database implements
 * it (src/engine/state-observer.ts); without one every step runs and nothing is recorded.
 */
export interface RunObserver {
  /**
   * `skip` is the reason to skip the step; `fingerprint` is what its inputs hash to (null: not computed);
   * `stageGeneration` the stage it runs on. The task log's header shows both.
   */
  beforeStep(step: Step): Promise<StepDecision>;
  stepStarted(step: Step, fingerprint: string | null): void;
  stepFinished(outcome: StepOutcome): Promise<void>;
}

export type EngineEvent =
  | { kind: "notice"; message: string }
  | { kind: "warning"; message: string }
  | { kind: "step-start"; step: Step; index: number; total: number }
  | { kind: "output"; step: Step; stream: "stdout" | "stderr"; text: string }
  | { kind: "step-end"; outcome: StepOutcome; index: number; total: number };
