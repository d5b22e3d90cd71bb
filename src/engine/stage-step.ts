// A persisting step's stage transaction, tied to the step's cleanup stack: unless the step commits or
// fails cleanly, its snapshot is removed and the stage stays as it was (Ctrl-C, a crash of the container).
import type { StageTransaction } from "../plan/plan.js";
import { stageLayout } from "../stage/layout.js";
import { abortTransaction, beginTransaction, commitTransaction, failTransaction, type TransactionDeps } from "../stage/transaction.js";
import type { CleanupStack } from "./cleanup-stack.js";
import type { EngineDeps } from "./run-plan.js";

export interface OpenTransaction {
  commit(meta: { task: string; run: string }): Promise<void>;
  /** Keeps the failed snapshot; returns its path. */
  fail(meta: { task: string; run: string }): Promise<string>;
}

export async function openTransaction(transaction: StageTransaction, deps: EngineDeps, cleanup: CleanupStack): Promise<OpenTransaction> {
  const layout = stageLayout(transaction.stage);
  const stageDeps: TransactionDeps = { exec: deps.exec, now: () => new Date(deps.clock()), crashPoint: deps.crashPoint };
  await beginTransaction(layout, stageDeps);
  let settled = false;
  cleanup.push(`stage snapshot ${layout.next}`, async () => {
    if (!settled) await abortTransaction(layout, stageDeps);
  });
  return {
    async commit(meta) {
      const { generation, pruned } = await commitTransaction(layout, meta, transaction.keep, stageDeps);
      settled = true;
      const removed = pruned.length > 0 ? `; removed old generation${pruned.length > 1 ? "s" : ""} ${pruned.join(", ")}` : "";
      deps.emit({ kind: "notice", message: `the stage is now ${generation} (${transaction.stage})${removed}` });
    },
    async fail(meta) {
      const kept = await failTransaction(layout, meta, stageDeps);
      settled = true;
      return kept;
    },
  };
}
