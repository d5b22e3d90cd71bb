// A step's work files (its etc_portage copy, scripts, log directories), laid out while the step before it
// runs and removed while the step after it runs, so that neither sits between two containers.
import type { Exec } from "../exec/exec.js";
import type { Step } from "../plan/plan.js";
import { TrustedKeyrings } from "./prepare-signing.js";
import { prepareStep, removeWorkDir } from "./prepare-step.js";

export class WorkFiles {
  private readonly keyrings: TrustedKeyrings;

  constructor(private readonly exec: Exec) {
    this.keyrings = new TrustedKeyrings(exec);
  }

  private readonly prepared = new Map<Step, Promise<Error | null>>();
  private readonly removals: Promise<void>[] = [];
  /** A step's removal still going: a retry of the step prepares its files again only after it. */
  private readonly removing = new Map<Step, Promise<void>>();

  /** Starts laying out a step's files (once); errors are kept for `ready`. */
  prepare(step: Step): Promise<Error | null> {
    let preparation = this.prepared.get(step);
    if (!preparation) {
      const removed = this.removing.get(step) ?? Promise.resolve();
      preparation = removed.then(() => prepareStep(step, this.exec, this.keyrings)).then(() => null, (error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      this.prepared.set(step, preparation);
    }
    return preparation;
  }

  /** Waits until the step's files are in place; throws what went wrong. */
  async ready(step: Step): Promise<void> {
    const error = await this.prepare(step);
    if (error) throw error;
  }

  /** Removes a step's files in the background (after its preparation, if that is still going). */
  release(step: Step): void {
    const preparation = this.prepared.get(step);
    if (!preparation) return;
    this.prepared.delete(step);
    const removal = preparation.then(() => removeWorkDir(step));
    this.removing.set(step, removal.catch(() => undefined));
    this.removals.push(removal);
  }

  /** Releases every step still held (prepared ahead but not run) and waits; returns what could not be removed. */
  async releaseAll(): Promise<string[]> {
    for (const step of [...this.prepared.keys()]) this.release(step);
    const results = await Promise.allSettled([...this.removals, this.keyrings.remove()]);
    return results.flatMap((result) => (result.status === "rejected" ? [`could not remove work files: ${String(result.reason)}`] : []));
  }
}
