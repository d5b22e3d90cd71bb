// A hold on the stage: after `stage rollback` the admin chose an older generation, so scheduled runs
// must not upgrade it again on their own. The hold is a file beside the generations (it moves, and is
// removed, with them) and lasts until `binpkgbot stage resume`; persisting tasks are skipped meanwhile.
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import { lstat, open } from "node:fs/promises";
import path from "node:path";
import { removeFile, writeFileAtomic } from "../io/atomic-file.js";
import { quoteWord } from "../plan/render-plan.js";
import { StageError } from "./transaction.js";
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

// The hold file is opened without blocking and read only if it is a regular file, which is all
// binpkgbot writes: a FIFO in its place would otherwise hang a run, `status`, or (read
// synchronously) the daemon's whole event loop. Whatever else is there still holds.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW;
const ABSENT = new Set(["ENOENT", "ENOTDIR"]);

export async function readHold(layout: StageLayout): Promise<StageHold | null> {
  const handle = await open(holdFile(layout), OPEN_FLAGS).catch((error: NodeJS.ErrnoException) => error);
  if (handle instanceof Error) return ABSENT.has(handle.code ?? "") ? null : damagedHold();
  try {
    return (await handle.stat()).isFile() ? parseHold(await handle.readFile("utf8")) : damagedHold();
  } catch {
    return damagedHold();
  } finally {
    await handle.close();
  }
}

/** For readers that cannot wait (the daemon's /status answers from synchronous code). */
export function readHoldSync(layout: StageLayout): StageHold | null {
  let fd: number;
  try {
    fd = openSync(holdFile(layout), OPEN_FLAGS);
  } catch (error) {
    return ABSENT.has((error as NodeJS.ErrnoException).code ?? "") ? null : damagedHold();
  }
  try {
    return fstatSync(fd).isFile() ? parseHold(readFileSync(fd, "utf8")) : damagedHold();
  } catch {
    return damagedHold();
  } finally {
    closeSync(fd);
  }
}

/** Removes the hold; false when there was none. A directory there is the admin's: named, never removed. */
export async function removeHold(layout: StageLayout): Promise<boolean> {
  const file = holdFile(layout);
  const info = await lstat(file).catch(() => null);
  if (info === null) return false;
  if (info.isDirectory()) {
    throw new StageError(`${file} is a directory, not a hold file binpkgbot wrote: remove it (rmdir ${quoteWord(file)}), then run ${RESUME_COMMAND} again`);
  }
  await removeFile(file);
  return true;
}

// A damaged hold file still holds: the admin asked for it, and `stage resume` removes it.
function parseHold(text: string): StageHold {
  try {
    const parsed = JSON.parse(text) as Partial<StageHold>;
    return { since: String(parsed.since ?? "?"), generation: String(parsed.generation ?? "?"), from: String(parsed.from ?? "?") };
  } catch {
    return damagedHold();
  }
}

function damagedHold(): StageHold {
  return { since: "?", generation: "?", from: "?" };
}

/** Why a persisting task does not run while the stage is held. */
export function describeHold(hold: StageHold): string {
  return `the stage is held at ${hold.generation} since ${hold.since} (binpkgbot stage rollback from ${hold.from}): ` +
    `persisting tasks are skipped until ${RESUME_COMMAND}`;
}
