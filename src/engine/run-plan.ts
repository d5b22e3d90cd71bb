// Carries out a Plan, and nothing else: up to `jobs` steps at once, as the step graph allows
// (src/plan/step-graph.ts: barriers alone and in config order, the throw-away steps between them side by
// side, longest first). Every resource is registered for cleanup as it is acquired; events report
// progress; the outcome of each step is returned, in config order, for the summary.
import { appendFile } from "node:fs/promises";
import type { Exec } from "../exec/exec.js";
import type { CrashPoint } from "../stage/transaction.js";
import type { Plan, PlannedStep, Step } from "../plan/plan.js";
import { planStepGraph, type StepDurations } from "../plan/step-graph.js";
import { PkgdirClaims } from "./binpkg-index.js";
import type { JobPool } from "./job-slot.js";
import type { EngineEvent, RunObserver, StepDecision, StepOutcome } from "./events.js";
import { runWithRetries } from "./retry-step.js";
import { ThrowAwaySnapshots } from "./keep-failed-step.js";
import { runStep, type StepContext } from "./run-step.js";
import { runSchedule } from "./scheduler.js";
import { WorkFiles } from "./work-files.js";

export interface EngineDeps {
  exec: Exec;
  /** Test-only: called at each step of a stage swap (src/stage/transaction.ts). */
  crashPoint?: (name: CrashPoint) => void;
  emit: (event: EngineEvent) => void;
  /** Null while the listener of output events keeps up; else a promise of when it has room again. */
  outputRoom?: () => Promise<void> | null;
  /** Milliseconds, for durations. */
  clock: () => number;
  /** Aborted on SIGINT/SIGTERM: the running steps are stopped and cleaned up, the rest are not run. */
  signal: AbortSignal;
  /** Host environment for host steps. */
  env: NodeJS.ProcessEnv;
  observer?: RunObserver;
  /** Waits between two attempts of a step (sleepUnlessAborted); tests pass one that does not wait. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** With build_jobs: the run's job pool (src/jobserver/). */
  jobserver?: JobPool;
  /**
   * Carries out a step that must run somewhere else (a fleet worker, src/fleet/queue/): it lays out the
   * step's files and retries it there, so this run does neither. Default: here, with runStep.
   */
  carryOut?: StepCarrier;
}

/** Runs one step that the run decided to run (`decision`), wherever it runs, to its outcome; must not reject. */
export type StepCarrier = (plan: Plan, step: PlannedStep, decision: StepDecision, signal: AbortSignal) => Promise<StepOutcome>;

export interface RunOptions {
  /** A failed step stops the steps running beside it and starts nothing new. */
  failFast: boolean;
  /** How many steps may run at once (`jobs`); default 1. */
  jobs?: number;
  /** Last recorded duration by task id: inside a group the longest starts first. */
  durations?: StepDurations;
  /** Why persisting steps must not run now (the stage is held after a rollback); they are skipped. */
  persistHeld?: string | null;
}

export interface RunOutcome {
  steps: StepOutcome[];
  interrupted: boolean;
}

export async function runPlan(plan: Plan, deps: EngineDeps, options: RunOptions): Promise<RunOutcome> {
  const work = new WorkFiles(deps.exec);
  const snapshots = new ThrowAwaySnapshots(plan, deps.exec);
  const decisions = new Map<number, Promise<StepDecision>>();
  let queue: Promise<unknown> = Promise.resolve();
  const context: StepContext = {
    plan, deps, work, snapshots, pkgdir: new PkgdirClaims(),
    serial: (piece) => {
      const result = queue.then(piece);
      queue = result.catch(() => undefined);
      return result;
    },
  };
  // From the steps this run has (the caller may have left some out), never from the plan's `after`.
  const graph = planStepGraph(plan.steps, options.durations);
  const total = plan.steps.length;
  const schedule = await runSchedule<StepOutcome>({
    graph, jobs: options.jobs ?? 1, signal: deps.signal,
    run: (index, signal) => startStep(context, index, total, signal, options, decisions.get(index)),
    stopAfter: (index, outcome) => stopReasonAfter(plan.steps[index] as Step, outcome, options) ?? null,
    upNext: (index, ready) => {
      if (deps.carryOut) return;
      const step = plan.steps[index] as Step;
      void work.prepare(step);
      // Once nothing before it can change the stage, the repository or its inputs, the step is decided
      // ahead too; only one that will run gets its snapshot made ahead.
      if (!ready || decisions.has(index)) return;
      const decision = decide(step, deps, options);
      decisions.set(index, decision);
      decision.then((decided) => decided.skip === null && snapshots.prepare(step), () => undefined);
    },
  }).finally(async () => {
    const failures = await Promise.all([work.releaseAll(), snapshots.settle()]);
    for (const message of failures.flat()) deps.emit({ kind: "warning", message });
  });
  const outcomes: StepOutcome[] = [];
  for (const [index, step] of plan.steps.entries()) {
    let outcome = schedule.results.get(index);
    if (outcome === undefined) {
      outcome = { step, result: "not-run", exitCode: null, durationMs: 0, added: [], reason: deps.signal.aborted ? "interrupted" : schedule.stopReason ?? undefined };
      await deps.observer?.stepFinished(outcome);
    }
    outcomes.push(outcome);
  }
  return { steps: outcomes, interrupted: deps.signal.aborted };
}

/** Decides whether the step runs (fingerprint, quarantine, a held stage), runs it with its retries, records it. */
async function startStep(
  context: StepContext, index: number, total: number, signal: AbortSignal, options: RunOptions, decided?: Promise<StepDecision>,
): Promise<StepOutcome> {
  const { deps, plan } = context;
  const step = plan.steps[index] as Step;
  const decision = await (decided ?? decide(step, deps, options));
  if (decision.skip !== null) {
    const outcome: StepOutcome = {
      step, result: "skipped", exitCode: null, durationMs: 0, added: [], reason: decision.skip, ...(decision.quarantined ? { stillFailing: true } : {}),
    };
    await deps.observer?.stepFinished(outcome);
    deps.emit({ kind: "step-end", outcome, index, total });
    return outcome;
  }
  deps.emit({ kind: "step-start", step, index, total });
  deps.observer?.stepStarted(step, decision.fingerprint);
  const note = (message: string): Promise<void> => noteRetry(deps, step, message);
  const outcome = deps.carryOut
    ? await deps.carryOut(plan, plan.steps[index] as PlannedStep, decision, signal)
    : await runWithRetries(step.task.retries, { ...deps, signal, note }, () => runStep(context, step, decision, signal));
  await deps.observer?.stepFinished(outcome);
  deps.emit({ kind: "step-end", outcome, index, total });
  return outcome;
}

async function decide(step: Step, deps: EngineDeps, options: RunOptions): Promise<StepDecision> {
  const held = step.persist && options.persistHeld ? options.persistHeld : null;
  if (held !== null) return { skip: held, fingerprint: null, stageGeneration: null };
  return (await deps.observer?.beforeStep(step)) ?? { skip: null, fingerprint: null, stageGeneration: null };
}

function stopReasonAfter(step: Step, outcome: StepOutcome, options: RunOptions): string | undefined {
  if (outcome.result !== "failed") return undefined;
  // With a transaction a failed persisting step left the stage as it was; without one the stage is in doubt.
  if (step.persist && !(step.kind === "container" && step.transaction)) return `${step.task.id} failed while changing the stage, so the stage is in doubt`;
  if (step.task.kind === "sync") return "the repository sync failed";
  if (options.failFast) return `--fail-fast: ${step.task.id} failed`;
  return undefined;
}

async function noteRetry(deps: EngineDeps, step: Step, message: string): Promise<void> {
  deps.emit({ kind: "notice", message: `${step.task.id}: ${message}`, step });
  await appendFile(step.logFile, `>>> binpkgbot: ${message}\n`).catch((error: unknown) => {
    deps.emit({ kind: "warning", message: `cannot write to the task's log ${step.logFile}: ${(error as Error).message}`, step });
  });
}
