// One tick of the daemon: sync the repository, then run the tasks if their inputs changed since the
// last completed task run. Nothing here throws: every failure is logged (and notified where someone
// should act) and the daemon goes on to the next tick.
import type { Config } from "../config/config.js";
import { StageLockedError, StageLockError } from "../container/stage-lock.js";
import type { EngineEvent } from "../engine/events.js";
import { readForcedTasks } from "../state/forced-tasks.js";
import { HostProblem, type PerformedRun, type PerformRunOptions } from "../engine/perform-run.js";
import type { Exec } from "../exec/exec.js";
import type { Notifier } from "../notify/notifier.js";
import type { ActivityTracker } from "./activity.js";
import type { DaemonState } from "./daemon-state.js";
import type { Logger } from "./log.js";

export interface TickDeps {
  config(): Config;
  performRun(config: Config, options: PerformRunOptions): Promise<PerformedRun>;
  readChangeKey(config: Config): Promise<string>;
  /** The memory of the last completed task run, of the config's state_dir. */
  readState(stateDir: string): Promise<DaemonState>;
  writeState(stateDir: string, state: DaemonState): Promise<void>;
  /** Checks the servers' coverage again (src/daemon/coverage-checks.ts). */
  recheckCoverage(config: Config): Promise<void>;
  notifier: Notifier;
  log: Logger;
  emit(event: EngineEvent): void;
  activity: ActivityTracker;
  exec: Exec;
  env: NodeJS.ProcessEnv;
  now(): Date;
  signal: AbortSignal;
}

export async function runTick(deps: TickDeps): Promise<void> {
  const config = deps.config();
  if (config.sync.kind !== "none") {
    const sync = await runSteps(deps, config, "sync");
    if (sync === null || sync.result === "interrupted") return;
  }
  const key = await deps.readChangeKey(config).catch((error: unknown) => {
    reportCannotStart(deps, `cannot tell whether anything changed: ${(error as Error).message}`);
    return null;
  });
  if (key === null || deps.signal.aborted) return;
  const state = await deps.readState(config.stateDir);
  if (state.changeKey === key && (await readForcedTasks(config.stateDir)).length === 0) {
    deps.log.info("unchanged", `nothing changed since the task run that ended ${state.completedAt ?? "before"} (repository, etc_portage, config): tasks not run`);
    return;
  }
  deps.log.info("changed", state.changeKey === null ? "no task run recorded by the daemon yet: running the tasks" : "the repository, etc_portage or the config changed: running the tasks");
  const run = await runSteps(deps, config, "tasks");
  if (run === null || run.result === "interrupted") return;
  // Only new binpkgs can change what a server would compile.
  if (run.outcome.steps.some((step) => step.added.length > 0)) await deps.recheckCoverage(config);
  await deps.writeState(config.stateDir, { changeKey: key, completedAt: deps.now().toISOString() }).catch((error: unknown) => {
    deps.log.warning("daemon-state", `cannot remember the task run in ${config.stateDir}: ${(error as Error).message}; the next tick runs the tasks again`);
  });
}

/** performRun for one part; null if it could not run (already logged and notified). */
async function runSteps(deps: TickDeps, config: Config, steps: "sync" | "tasks"): Promise<PerformedRun | null> {
  deps.activity.begin(steps, deps.now());
  try {
    const run = await deps.performRun(config, {
      exec: deps.exec, env: deps.env, now: deps.now, signal: deps.signal, trigger: "daemon", failFast: false, force: new Set(), steps,
      emit: (event) => {
        deps.activity.observe(event, deps.now());
        deps.emit(event);
      },
    });
    await deps.notifier.problem("run-not-started", null);
    await deps.notifier.taskResults(run.runId, run.outcome.steps.map((step) => ({ taskId: step.step.task.id, result: step.result, reason: step.reason ?? null, failure: step.failure ?? null })));
    const level = run.result === "succeeded" ? "info" : run.result === "failed" ? "warning" : "info";
    deps.log[level]("run-end", `run ${run.runId} (${steps}): ${run.result}, ${run.outcome.steps.length} step(s)`, { run: run.runId, steps, result: run.result });
    return run;
  } catch (error) {
    if (error instanceof StageLockedError || error instanceof StageLockError || error instanceof HostProblem) reportCannotStart(deps, error.message);
    else deps.log.error("run-error", `the ${steps} run ended with an error: ${(error as Error).message}`, { steps });
    return null;
  } finally {
    deps.activity.end();
  }
}

function reportCannotStart(deps: TickDeps, reason: string): void {
  deps.log.error("run-not-started", `a run could not start: ${reason}`);
  void deps.notifier.problem("run-not-started", reason);
}
