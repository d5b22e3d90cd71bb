// Ties a run to the state database: records every step, and skips a step whose inputs hash to the
// fingerprint of its last successful run (src/state/fingerprint.ts says what the inputs are).
import path from "node:path";
import type { Config } from "../config/config.js";
import type { Exec } from "../exec/exec.js";
import type { Step } from "../plan/plan.js";
import { readStageGenerationId, stageLayout } from "../stage/layout.js";
import type { StateDatabase } from "../state/database.js";
import { readElogDir } from "../state/elog.js";
import { fingerprintTask } from "../state/fingerprint.js";
import { hashDirectory, hashServerInputs, readRepoRevision } from "../state/read-inputs.js";
import { formatTime } from "../state/format-time.js";
import type { RunObserver, StepOutcome } from "./events.js";

export interface StateObserverOptions {
  db: StateDatabase;
  runId: number;
  config: Config;
  exec: Exec;
  now: () => Date;
  binpkgbotVersion: string;
  /** Task ids to run whatever their fingerprint; `true`: all of them. */
  force: true | ReadonlySet<string>;
}

export function createStateObserver(options: StateObserverOptions): RunObserver {
  const { db, config } = options;
  const started = new Map<string, number>();
  let repoRevision: Promise<string> | undefined;
  let etcPortageHash: Promise<string> | undefined;
  const generation = (): Promise<string> => readStageGenerationId(stageLayout(config.stage));
  const fingerprint = async (step: Step, stageGeneration?: string): Promise<string> => fingerprintTask({
    // Read once per run and again after a step that had the repository writable (the sync, a `run` script).
    repoRevision: await (repoRevision ??= readRepoRevision(config.portageRepo, options.exec)),
    etcPortageHash: step.kind === "container" && step.etcPortage.server
      ? await hashServerInputs(step.etcPortage.server) : await (etcPortageHash ??= hashDirectory(config.etcPortage)),
    stageGeneration: stageGeneration ?? await generation(),
    step,
    binpkgbotVersion: options.binpkgbotVersion,
  });
  const forced = (step: Step): boolean => options.force === true || options.force.has(step.task.id);
  const taskStart = (step: Step, print: string | null) => ({
    runId: options.runId, task: step.task, fingerprint: print, startedAt: options.now(), logPath: step.logFile,
  });

  return {
    async beforeStep(step) {
      const stageGeneration = await generation();
      if (step.task.kind === "sync") return { skip: null, fingerprint: null, stageGeneration };
      const print = await fingerprint(step, stageGeneration);
      const quarantine = forced(step) ? null : db.quarantine(step.task.id, print);
      if (quarantine) return { skip: quarantineReason(step.task.id, quarantine.since), quarantined: true, fingerprint: print, stageGeneration };
      return { skip: forced(step) ? null : unchangedReason(db, step.task.id, print), fingerprint: print, stageGeneration };
    },
    stepStarted(step, print) {
      started.set(step.task.id, db.startTask(taskStart(step, print)));
    },
    async stepFinished(outcome) {
      const id = started.get(outcome.step.task.id);
      const end = { result: outcome.result, exitCode: outcome.exitCode, durationMs: Math.round(outcome.durationMs), reason: outcome.reason, failure: outcome.failure };
      if (id === undefined) {
        db.recordTask(taskStart(outcome.step, null), end);
        return;
      }
      if (writesRepository(outcome.step, config)) repoRevision = undefined;
      const after = await fingerprintAfter(outcome, fingerprint);
      const messages = outcome.step.kind === "container" ? await readElog(outcome.step.portageLogDir) : [];
      db.transaction(() => {
        db.finishTask(id, { ...end, ...(after ? { fingerprint: after } : {}) });
        db.recordBinpkgs(id, outcome.added);
        db.recordElog(id, messages);
        if (outcome.attempts) db.recordAttempts(id, outcome.attempts.map((attempt) => ({ ...attempt, startedAt: new Date(attempt.startedAt) })));
      });
    },
  };
}

/** A task quarantined after a deterministic failure is not run again until an input changes. */
function quarantineReason(taskId: string, since: Date): string {
  return `still failing since ${formatTime(since)}; inputs unchanged (binpkgbot run --force ${taskId} to try again)`;
}

/** Nor is a task unchanged since its last success. */
function unchangedReason(db: StateDatabase, taskId: string, print: string): string | null {
  if (db.lastSuccessfulFingerprint(taskId) === print) return `unchanged since its last success (fingerprint ${print.slice(0, 12)}); --force ${taskId} builds it again`;
  return null;
}

function writesRepository(step: Step, config: Config): boolean {
  return step.kind === "container" && step.spec.binds.some((bind) => bind.from === config.portageRepo && bind.writable);
}

/** A persisting step that succeeded is recorded against the stage generation it made (see TaskEnd). */
async function fingerprintAfter(outcome: StepOutcome, fingerprint: (step: Step) => Promise<string>): Promise<string | null> {
  if (outcome.result !== "succeeded" || !outcome.step.persist) return null;
  return fingerprint(outcome.step);
}

async function readElog(portageLogDir: string) {
  const files = await readElogDir(path.join(portageLogDir, "elog")).catch(() => []);
  return files.flatMap((file) => file.messages);
}
