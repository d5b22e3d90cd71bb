// The dashboard's only writes: "run now", "force this task on the next run", "hold/resume upgrades".
// Holding writes the stage's hold file, as `stage rollback` does (src/stage/hold.ts), so persisting
// tasks are skipped until resumed. Forcing is a request in the state directory that the next run
// takes (src/state/forced-tasks.ts); "run now" asks whoever runs binpkgbot here (the daemon ticks now).
import { mkdir } from "node:fs/promises";
import { readCurrent } from "../stage/layout.js";
import { stageLayout } from "../stage/layout-paths.js";
import { readHold, removeHold, writeHold } from "../stage/hold.js";
import { isForcedTaskId, requestForcedTask } from "../state/forced-tasks.js";

export const ACTIONS = ["run-now", "force", "hold", "resume"] as const;
export type ActionName = (typeof ACTIONS)[number];

export interface ActionDeps {
  stateDir(): string;
  stage(): string;
  now(): Date;
  /** Starts a run now; resolves to what happened, for the page and the log. */
  runNow(): Promise<string>;
}

export function isActionName(name: string): name is ActionName {
  return (ACTIONS as readonly string[]).includes(name);
}

/** Performs an action; returns one line saying what was done, or throws an ActionError. */
export async function performAction(name: ActionName, body: Record<string, unknown>, deps: ActionDeps): Promise<string> {
  switch (name) {
    case "run-now":
      return deps.runNow();
    case "force": {
      const task = typeof body.task === "string" ? body.task : "";
      if (!isForcedTaskId(task)) throw new ActionError(`'${task.slice(0, 60)}' is not a task id: send {"task": "ID"}`);
      await requestForcedTask(deps.stateDir(), task);
      return `task ${task} is forced on the next run`;
    }
    case "hold":
      return hold(deps);
    case "resume":
      return (await removeHold(stageLayout(deps.stage()))) ? "upgrades resumed: persisting tasks run again" : "there was no hold: upgrades already run";
    default: {
      const never: never = name;
      throw new ActionError(`unknown action ${String(never)}`);
    }
  }
}

async function hold(deps: ActionDeps): Promise<string> {
  const layout = stageLayout(deps.stage());
  if ((await readHold(layout)) !== null) return "the stage was already held";
  const current = await readCurrent(layout);
  const generation = current.kind === "generation" ? current.name : current.kind;
  // A plain stage has no generations directory yet; the hold file lives there all the same.
  await mkdir(layout.generationsDir, { recursive: true });
  await writeHold(layout, { since: deps.now().toISOString(), generation, from: generation });
  return `upgrades held at ${generation}: persisting tasks are skipped until resumed`;
}

export class ActionError extends Error {
  override readonly name = "ActionError";
}
