// What a run reports while it goes: the CLI prints these, the log and (later) the state database record them.
import type { Failure, FailureClass } from "../failure/failure.js";
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
  /**
   * A skipped step that keeps failing with the same inputs (quarantined, src/state/quarantine.ts): the
   * run did not produce what it builds, so the run does not succeed either.
   */
  stillFailing?: boolean;
  /** For a failed step: its class, details and the fix (src/failure/classify.ts). */
  failure?: Failure;
  /** Every attempt, the last one included, where a transient failure was retried (src/engine/retry-step.ts). */
  attempts?: StepAttempt[];
}

/** One attempt of a step, for the history (task_attempts). */
export interface StepAttempt {
  /** From 1. */
  attempt: number;
  /** Milliseconds since the epoch. */
  startedAt: number;
  durationMs: number;
  exitCode: number | null;
  failureClass: FailureClass | null;
  /** The failure's one-line summary, else the outcome's reason. */
  summary: string | null;
}

export interface StepDecision {
  skip: string | null;
  /** The skip is a quarantine: the task keeps failing with these inputs. */
  quarantined?: boolean;
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
  // `step`: the step a notice or warning is about, where there is one (with `jobs` several steps run at once).
  | { kind: "notice"; message: string; step?: Step }
  | { kind: "warning"; message: string; step?: Step }
  | { kind: "step-start"; step: Step; index: number; total: number }
  /**
   * Bytes as the step printed them, stdout and stderr together as its log has them (`stream` says
   * "stdout" then): a chunk may end inside a line or a multi-byte character. Its buffer is reused once
   * the listener returns: copy what is kept.
   */
  | { kind: "output"; step: Step; stream: "stdout" | "stderr"; chunk: Buffer }
  | { kind: "step-end"; outcome: StepOutcome; index: number; total: number };
