// A throw-away step in a snapshot binpkgbot makes itself instead of nspawn's --ephemeral, so that a failed
// one can be kept for inspection (src/stage/kept-failed.ts). The snapshot is registered on the step's
// cleanup stack at once: a success, Ctrl-C or an error removes it; only a failure moves it away first.
//
// With `ThrowAwaySnapshots`, neither the snapshot nor its removal sits between two containers: the next
// step's snapshot is made while the steps before it run, once nothing that changes the stage comes
// before it (the scheduler says "ready": every step it depends on, the barriers, has finished), and a
// finished step's snapshot is removed in the background. The run waits for every removal, and removes
// a snapshot made ahead for a step that never started, before it ends (`settle`).
import { binpkgbotCommand } from "./cli-hint.js";
import type { ContainerSpec } from "../container/nspawn-argv.js";
import { buildViewOf, renderContainerArgv } from "../plan/plan-run.js";
import type { Plan, Step } from "../plan/plan.js";
import type { Exec } from "../exec/exec.js";
import { createRunningSnapshot, keepFailedSnapshot, removeKeptOfTask, removeRunningSnapshot, runningSnapshotPath } from "../stage/kept-failed.js";
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

/** The snapshots of a run's throw-away steps: made ahead where the stage cannot change before the step starts, removed behind. */
export class ThrowAwaySnapshots {
  /** By step: a snapshot made ahead, not taken by an attempt yet (its path, or the error making it). */
  private readonly ahead = new Map<Step, Promise<{ path: string } | { error: unknown }>>();
  /** Snapshots to remove once the next container has started. */
  private readonly pending = new Set<string>();
  /** By snapshot path: its removal, still going. */
  private readonly removing = new Map<string, Promise<void>>();
  private readonly failures: string[] = [];
  /** Set by `settle`: the run is ending, nothing more is made ahead. */
  private closed = false;

  constructor(private readonly plan: Plan, private readonly exec: Exec) {}

  /** Starts making the step's snapshot now: only once nothing before the step can change the stage. */
  prepare(step: Step): void {
    if (this.closed || step.kind !== "container" || step.keepFailed === null || this.ahead.has(step)) return;
    this.ahead.set(step, this.make(step).then((path) => ({ path }), (error: unknown) => ({ error })));
  }

  /** The step's snapshot: the one made ahead, or made now. */
  async take(step: Step): Promise<string> {
    const ahead = this.ahead.get(step);
    this.ahead.delete(step);
    const made = ahead ? await ahead : { path: await this.make(step) };
    if ("error" in made) throw made.error;
    return made.path;
  }

  /**
   * Removes the snapshot in the background (unless it was kept: moved away), once the next container has
   * started (`containerStarted`) or the run ends: starting a process costs the event loop a few
   * milliseconds, which are then not spent between two containers.
   */
  remove(path: string): void {
    this.pending.add(path);
  }

  /** A container was just started: the removals waiting for that begin. */
  containerStarted(): void {
    setImmediate(() => {
      for (const path of [...this.pending]) this.startRemoval(path);
    });
  }

  /** Removes the snapshots made ahead for steps that did not start, waits for every removal; returns what failed. */
  async settle(): Promise<string[]> {
    this.closed = true;
    for (const [step, made] of [...this.ahead]) {
      this.ahead.delete(step);
      const result = await made;
      if ("path" in result) this.remove(result.path);
    }
    for (const path of [...this.pending]) this.startRemoval(path);
    while (this.removing.size > 0) await Promise.all(this.removing.values());
    return this.failures.splice(0);
  }

  private startRemoval(path: string): Promise<void> {
    this.pending.delete(path);
    const removal = removeRunningSnapshot(path, this.exec).catch((error: unknown) => {
      this.failures.push(`could not remove the throw-away snapshot ${path}: ${(error as Error).message}; run: btrfs subvolume delete ${path}`);
    }).finally(() => {
      if (this.removing.get(path) === removal) this.removing.delete(path);
    });
    this.removing.set(path, removal);
    return removal;
  }

  private async make(step: Step): Promise<string> {
    if (step.kind !== "container" || step.keepFailed === null) throw new Error(`${step.task.id} runs in no snapshot of its own`);
    const layout = stageLayout(step.keepFailed.stage);
    const path = runningSnapshotPath(layout, step.task.id, this.plan.runId);
    // A retry reuses the path: the earlier attempt's snapshot must be gone first.
    await (this.pending.has(path) ? this.startRemoval(path) : this.removing.get(path));
    return createRunningSnapshot(layout, step.task.id, this.plan.runId, this.exec);
  }
}

/**
 * Null where the step keeps nothing: it runs as planned. With `snapshots`, the snapshot may have been
 * made ahead and is removed in the background; without (a fleet worker's single step), both happen here.
 */
export async function openThrowAwaySnapshot(
  plan: Plan, step: Step, deps: EngineDeps, cleanup: CleanupStack, snapshots?: ThrowAwaySnapshots,
): Promise<ThrowAwaySnapshot | null> {
  if (step.kind !== "container" || step.keepFailed === null) return null;
  const { keep } = step.keepFailed;
  const layout = stageLayout(step.keepFailed.stage);
  const task = step.task.id;
  const running = snapshots ? await snapshots.take(step) : await createRunningSnapshot(layout, task, plan.runId, deps.exec);
  cleanup.push(`throw-away snapshot ${running}`, async () => (snapshots ? snapshots.remove(running) : removeRunningSnapshot(running, deps.exec)));
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
