// A throw-away step in a snapshot binpkgbot makes itself instead of nspawn's --ephemeral, so that a failed
// one can be kept for inspection (src/stage/kept-failed.ts). The snapshot is registered on the step's
// cleanup stack at once: a success, Ctrl-C or an error removes it; only a failure moves it away first.
import { binpkgbotCommand } from "./cli-hint.js";
import type { ContainerSpec } from "../container/nspawn-argv.js";
import { buildViewOf, renderContainerArgv } from "../plan/plan-run.js";
import type { Plan, Step } from "../plan/plan.js";
import { createRunningSnapshot, keepFailedSnapshot, removeKeptOfTask, removeRunningSnapshot } from "../stage/kept-failed.js";
import { stageLayout } from "../stage/layout.js";
import type { CleanupStack } from "./cleanup-stack.js";
import type { EngineDeps } from "./run-plan.js";

export interface ThrowAwaySnapshot {
  spec: ContainerSpec;
  argv: string[];
  /** The task succeeded: its earlier kept failures go. */
  succeeded(): Promise<void>;
  /** Keeps the snapshot; returns the words for the failure's reason. */
  failed(): Promise<string>;
}

/** Null where the step keeps nothing: it runs as planned. */
export async function openThrowAwaySnapshot(plan: Plan, step: Step, deps: EngineDeps, cleanup: CleanupStack): Promise<ThrowAwaySnapshot | null> {
  if (step.kind !== "container" || step.keepFailed === null) return null;
  const { keep } = step.keepFailed;
  const layout = stageLayout(step.keepFailed.stage);
  const task = step.task.id;
  const running = await createRunningSnapshot(layout, task, plan.runId, deps.exec);
  cleanup.push(`throw-away snapshot ${running}`, () => removeRunningSnapshot(running, deps.exec));
  const spec: ContainerSpec = { ...step.spec, directory: running, ephemeral: false };
  const removedNotice = (removed: string[], why: string): void => {
    if (removed.length > 0) deps.emit({ kind: "notice", message: `removed ${removed.join(", ")}: ${why}`, step });
  };
  return {
    spec,
    argv: renderContainerArgv(spec),
    async succeeded() {
      removedNotice(await removeKeptOfTask(layout, task, deps.exec), `kept failed containers of ${task}, which succeeded now`);
    },
    async failed() {
      const meta = { task, run: plan.runId, created: new Date(deps.clock()).toISOString(), ...buildViewOf(step) };
      const { kept, removed } = await keepFailedSnapshot(layout, running, meta, keep, deps.exec);
      removedNotice(removed, `older kept failed containers beyond keep_failed: ${keep}`);
      return `the failed container is kept read-only at ${kept} (${binpkgbotCommand(plan.config, `stage shell --failed ${task}`)})`;
    },
  };
}
