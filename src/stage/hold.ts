// A hold on the stage: after `stage rollback` the admin chose an older generation, so scheduled runs
// must not upgrade it again on their own. The hold is a file beside the generations (it moves, and is
// removed, with them) and lasts until `binpkgbot stage resume`; persisting tasks are skipped meanwhile.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { removeFile, writeFileAtomic } from "../io/atomic-file.js";
import type { StageLayout } from "./layout-paths.js";

export interface StageHold {
  /** ISO 8601 time of the rollback. */
  since: string;
  /** The generation the stage was rolled back to, and the one it left. */
  generation: string;
  from: string;
}

export const RESUME_COMMAND = "binpkgbot stage resume";

export function holdFile(layout: StageLayout): string {
  return path.join(layout.generationsDir, "hold.json");
}

export async function writeHold(layout: StageLayout, hold: StageHold): Promise<void> {
  await writeFileAtomic(holdFile(layout), `${JSON.stringify(hold, null, 2)}\n`);
}

export async function readHold(layout: StageLayout): Promise<StageHold | null> {
  return parseHold(await readFile(holdFile(layout), "utf8").catch(() => null));
}

/** For readers that cannot wait (the daemon's /status answers from synchronous code). */
export function readHoldSync(layout: StageLayout): StageHold | null {
  try {
    return parseHold(readFileSync(holdFile(layout), "utf8"));
  } catch {
    return null;
  }
}

/** Removes the hold; false when there was none. */
export async function removeHold(layout: StageLayout): Promise<boolean> {
  if ((await readFile(holdFile(layout)).catch(() => null)) === null) return false;
  await removeFile(holdFile(layout));
  return true;
}

// A damaged hold file still holds: the admin asked for it, and `stage resume` removes it.
function parseHold(text: string | null): StageHold | null {
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as Partial<StageHold>;
    return { since: String(parsed.since ?? "?"), generation: String(parsed.generation ?? "?"), from: String(parsed.from ?? "?") };
  } catch {
    return { since: "?", generation: "?", from: "?" };
  }
}

/** Why a persisting task does not run while the stage is held. */
export function describeHold(hold: StageHold): string {
  return `the stage is held at ${hold.generation} since ${hold.since} (binpkgbot stage rollback from ${hold.from}): ` +
    `persisting tasks are skipped until ${RESUME_COMMAND}`;
}
