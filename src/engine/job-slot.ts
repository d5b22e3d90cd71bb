// A step's place on the run's job pool (build_jobs): its FIFO is made and joined before its container
// starts and closed after, so the tokens its builds hold, even a killed build's, go back to the pool.
import type { JobSlot } from "../jobserver/fifo-jobserver.js";
import type { Step } from "../plan/plan.js";
import type { CleanupStack } from "./cleanup-stack.js";

/** What the engine needs of the jobserver (src/jobserver/fifo-jobserver.ts). */
export interface JobPool {
  open(fifo: string): Promise<JobSlot>;
}

export async function openJobSlot(step: Step, pool: JobPool | undefined, cleanup: CleanupStack): Promise<void> {
  if (step.kind !== "container" || !step.jobserver) return;
  if (!pool) throw new Error(`${step.task.id} is planned on a job pool (build_jobs) but the run has none: this is a bug in binpkgbot`);
  const slot = await pool.open(step.jobserver.fifo);
  cleanup.push(`jobserver FIFO ${step.jobserver.fifo}`, () => slot.close());
}
