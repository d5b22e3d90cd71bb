// Carries out a Plan step by step, and nothing else. Every resource is registered for cleanup as it is
// acquired; events report progress; the outcome of each step is returned for the summary.
import { createWriteStream, type WriteStream } from "node:fs";
import { runContainer } from "../container/run-container.js";
import type { Exec } from "../exec/exec.js";
import type { CrashPoint } from "../stage/transaction.js";
import type { Plan, Step } from "../plan/plan.js";
import { addedBinpkgs, readPackagesIndex } from "./binpkg-index.js";
import { CleanupStack } from "./cleanup-stack.js";
import type { EngineEvent, RunObserver, StepDecision, StepOutcome } from "./events.js";
import { renderLogHeader } from "./log-header.js";
import { findMissingMountPoints, removeMountPoints } from "./mount-points.js";
import { openTransaction } from "./stage-step.js";
import { WorkFiles } from "./work-files.js";

export interface EngineDeps {
  exec: Exec;
  /** Test-only: called at each step of a stage swap (src/stage/transaction.ts). */
  crashPoint?: (name: CrashPoint) => void;
  emit: (event: EngineEvent) => void;
  /** Milliseconds, for durations. */
  clock: () => number;
  /** Aborted on SIGINT/SIGTERM: the running step is stopped and cleaned up, the rest are not run. */
  signal: AbortSignal;
  /** Host environment for host steps. */
  env: NodeJS.ProcessEnv;
  observer?: RunObserver;
}

export interface RunOptions {
  failFast: boolean;
  /** Why persisting steps must not run now (the stage is held after a rollback); they are skipped. */
  persistHeld?: string | null;
}

export interface RunOutcome {
  steps: StepOutcome[];
  interrupted: boolean;
}

export async function runPlan(plan: Plan, deps: EngineDeps, options: RunOptions): Promise<RunOutcome> {
  const outcomes: StepOutcome[] = [];
  const work = new WorkFiles(deps.exec);
  let stopReason: string | undefined;
  for (const [index, step] of plan.steps.entries()) {
    const total = plan.steps.length;
    if (stopReason !== undefined || deps.signal.aborted) {
      const outcome: StepOutcome = { step, result: "not-run", exitCode: null, durationMs: 0, added: [], reason: deps.signal.aborted ? "interrupted" : stopReason };
      outcomes.push(outcome);
      await deps.observer?.stepFinished(outcome);
      continue;
    }
    const held = step.persist && options.persistHeld ? options.persistHeld : null;
    const decision = held !== null ? { skip: held, fingerprint: null, stageGeneration: null }
      : (await deps.observer?.beforeStep(step)) ?? { skip: null, fingerprint: null, stageGeneration: null };
    if (decision.skip !== null) {
      const outcome: StepOutcome = { step, result: "skipped", exitCode: null, durationMs: 0, added: [], reason: decision.skip };
      outcomes.push(outcome);
      await deps.observer?.stepFinished(outcome);
      deps.emit({ kind: "step-end", outcome, index, total });
      continue;
    }
    deps.emit({ kind: "step-start", step, index, total });
    deps.observer?.stepStarted(step, decision.fingerprint);
    const next = plan.steps[index + 1];
    if (next) void work.prepare(next);
    const outcome = await runStep(plan, step, deps, work, decision);
    outcomes.push(outcome);
    await deps.observer?.stepFinished(outcome);
    deps.emit({ kind: "step-end", outcome, index, total });
    stopReason = stopReasonAfter(step, outcome, options) ?? stopReason;
  }
  for (const message of await work.releaseAll()) deps.emit({ kind: "warning", message });
  return { steps: outcomes, interrupted: deps.signal.aborted };
}

function stopReasonAfter(step: Step, outcome: StepOutcome, options: RunOptions): string | undefined {
  if (outcome.result !== "failed") return undefined;
  // With a transaction a failed persisting step left the stage as it was; without one the stage is in doubt.
  if (step.persist && !(step.kind === "container" && step.transaction)) return `${step.task.id} failed while changing the stage, so the stage is in doubt`;
  if (step.task.kind === "sync") return "the repository sync failed";
  if (options.failFast) return `--fail-fast: ${step.task.id} failed`;
  return undefined;
}

async function runStep(plan: Plan, step: Step, deps: EngineDeps, work: WorkFiles, decision: StepDecision): Promise<StepOutcome> {
  const started = deps.clock();
  const cleanup = new CleanupStack();
  const finish = (result: StepOutcome["result"], exitCode: number | null, extra: Partial<StepOutcome> = {}): StepOutcome => ({
    step, result, exitCode, durationMs: deps.clock() - started, added: [], ...extra,
  });
  try {
    cleanup.push(`work directory ${step.workDir}`, async () => work.release(step));
    await work.ready(step);
    const log = createWriteStream(step.logFile, { flags: "a" });
    cleanup.push(`log ${step.logFile}`, () => new Promise((resolve) => log.end(resolve)));
    log.write(renderLogHeader({ taskId: step.task.id, runId: plan.runId, argv: step.argv, startedAt: new Date(started), fingerprint: decision.fingerprint, stageGeneration: decision.stageGeneration }));
    const before = await readPackagesIndex(plan.pkgdir);
    const transaction = step.kind === "container" && step.transaction ? await openTransaction(step.transaction, deps, cleanup) : null;
    const mountPoints = step.kind === "container" && !step.spec.ephemeral
      ? await findMissingMountPoints(step.spec.directory, step.spec.binds.map((bind) => bind.to)) : [];
    const handlers = {
      signal: deps.signal,
      onStdout: (text: string) => output(deps, step, log, "stdout", text),
      onStderr: (text: string) => output(deps, step, log, "stderr", text),
    };
    const result = step.kind === "container"
      ? await runContainer(deps.exec, { ...step.spec, argv: step.argv }, { ...handlers, env: deps.env, capture: false })
      : await deps.exec.run(step.argv, { ...handlers, env: { ...deps.env, ...step.env }, capture: false });
    await removeMountPoints(mountPoints);
    if (deps.signal.aborted) return finish("interrupted", result.code, { reason: "stopped by a signal" });
    const added = addedBinpkgs(before, await readPackagesIndex(plan.pkgdir));
    if (result.code === 0) {
      await transaction?.commit({ task: step.task.id, run: plan.runId });
      return finish("succeeded", 0, { added });
    }
    const status = result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
    const kept = await transaction?.fail({ task: step.task.id, run: plan.runId });
    const stage = kept ? `; the stage is unchanged, the failed snapshot is kept at ${kept} (binpkgbot stage shell --failed)` : "";
    return finish("failed", result.code, { added, reason: `${status}; see ${step.logFile}${stage}` });
  } catch (error) {
    return finish(deps.signal.aborted ? "interrupted" : "failed", null, { reason: error instanceof Error ? error.message : String(error) });
  } finally {
    for (const failure of await cleanup.unwind()) deps.emit({ kind: "warning", message: failure.message });
  }
}

function output(deps: EngineDeps, step: Step, log: WriteStream, stream: "stdout" | "stderr", text: string): void {
  log.write(text);
  deps.emit({ kind: "output", step, stream, text });
}
