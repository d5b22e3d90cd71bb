// Failed throw-away containers kept for inspection, as archlinux/devtools' makechrootpkg keeps a failed
// build root. They live beside the stage in `<stage>.failed/`: TASK-RUNID, a read-only btrfs snapshot,
// and TASK-RUNID.json, written last, so that a snapshot without it is one an interrupted run half-made.
// A step runs in `.running-TASK-RUNID` and only a failed one moves to its kept name.
import { mkdir, readdir, readFile, realpath, rename } from "node:fs/promises";
import path from "node:path";
import { createSnapshot, deleteSubvolume, setReadOnly } from "../container/btrfs.js";
import { removeLeftoverSnapshots, removeOrphanedSnapshot, type LeftoverDeps, type LeftoverReport } from "../container/leftovers.js";
import type { Exec } from "../exec/exec.js";
import { removeFile, writeFileAtomic } from "../io/atomic-file.js";
import {
  isRunningName, keptFailedName, runningName, selectBeyondCount, sortNewestFirst, type KeptFailed, type KeptFailedMeta,
} from "./kept-failed-select.js";
import { exists, type StageLayout } from "./layout.js";

/** The kept containers, newest first; half-made ones are not listed. */
export async function readKeptFailed(layout: StageLayout): Promise<KeptFailed[]> {
  const entries = await readdir(layout.keptFailedDir).catch(() => [] as string[]);
  const kept: KeptFailed[] = [];
  for (const entry of entries) {
    const name = entry.replace(/\.json$/, "");
    if (name === entry || isRunningName(name) || !entries.includes(name)) continue;
    const meta = await readFile(path.join(layout.keptFailedDir, entry), "utf8").then((text) => JSON.parse(text) as KeptFailedMeta, () => null);
    if (meta !== null) kept.push({ name, path: path.join(layout.keptFailedDir, name), meta });
  }
  return sortNewestFirst(kept);
}

/** Where a throw-away step of `task` in run `run` runs. */
export function runningSnapshotPath(layout: StageLayout, task: string, run: string): string {
  return path.join(layout.keptFailedDir, runningName(task, run));
}

/** A writable snapshot of the stage for one throw-away step; the caller removes it unless it is kept. */
export async function createRunningSnapshot(layout: StageLayout, task: string, run: string, exec: Exec): Promise<string> {
  await mkdir(layout.keptFailedDir, { recursive: true });
  const running = runningSnapshotPath(layout, task, run);
  // The stage path may be a symlink to its current generation (src/stage/layout.ts).
  await createSnapshot(exec, await realpath(layout.stage), running);
  return running;
}

/** Keeps a failed step's snapshot read-only under its name; removes those beyond `keep`. Returns both. */
export async function keepFailedSnapshot(
  layout: StageLayout, running: string, meta: KeptFailedMeta, keep: number, exec: Exec,
): Promise<{ kept: string; removed: string[] }> {
  const kept = path.join(layout.keptFailedDir, keptFailedName(meta.task, meta.run));
  // A retried step that fails again in the same run: its last attempt replaces the earlier one.
  if (await exists(kept)) {
    await removeFile(`${kept}.json`);
    await deleteSubvolume(exec, kept);
  }
  // Moved first: btrfs refuses to rename a read-only subvolume (EROFS).
  await rename(running, kept);
  await setReadOnly(exec, kept);
  await writeFileAtomic(`${kept}.json`, JSON.stringify(meta, null, 2));
  const removed = await removeKept(selectBeyondCount(await readKeptFailed(layout), keep), exec);
  return { kept, removed };
}

/** After a task succeeds: its kept failures are history. */
export async function removeKeptOfTask(layout: StageLayout, task: string, exec: Exec): Promise<string[]> {
  return removeKept((await readKeptFailed(layout)).filter((entry) => entry.meta.task === task), exec);
}

/** `binpkgbot stage clean`: every kept container, and whatever an interrupted run half-made. */
export async function removeAllKept(layout: StageLayout, exec: Exec): Promise<string[]> {
  const removed = await removeKept(await readKeptFailed(layout), exec);
  const halfMade = await removeHalfMadeKept(layout, { exec });
  return [...removed, ...halfMade.removed];
}

/**
 * At the start of a run (under the stage lock, so no step of this stage runs): the snapshots of steps an
 * interrupted run left (with binpkgbot's orphaned containers on them), and a kept snapshot whose metadata
 * was not written yet.
 */
export async function removeHalfMadeKept(layout: StageLayout, deps: LeftoverDeps): Promise<LeftoverReport> {
  const entries = await readdir(layout.keptFailedDir).catch(() => [] as string[]);
  const report: LeftoverReport = { removed: [], killed: [], skipped: [] };
  for (const entry of entries) {
    const full = path.join(layout.keptFailedDir, entry);
    // ".#…": nspawn's own lock files and ephemeral copies (src/container/leftovers.ts).
    if (entry.startsWith(".#")) continue;
    if (entry.endsWith(".json")) {
      if (!entries.includes(entry.slice(0, -".json".length))) await removeFile(full);
    } else if (isRunningName(entry) || !entries.includes(`${entry}.json`)) {
      await removeOrphanedSnapshot(full, deps, report);
    } else {
      // The copy a killed `stage shell --failed TASK` left of a kept one.
      const copies = await removeLeftoverSnapshots(full, deps);
      report.removed.push(...copies.removed);
      report.killed.push(...copies.killed);
      report.skipped.push(...copies.skipped);
    }
  }
  return report;
}

/** The snapshots throw-away steps run in now, or that an interrupted run left. */
export async function findRunningSnapshots(layout: StageLayout): Promise<string[]> {
  const entries = await readdir(layout.keptFailedDir).catch(() => [] as string[]);
  return entries.filter(isRunningName).sort().map((entry) => path.join(layout.keptFailedDir, entry));
}

async function removeKept(doomed: readonly KeptFailed[], exec: Exec): Promise<string[]> {
  for (const entry of doomed) {
    await deleteSubvolume(exec, entry.path);
    await removeFile(`${entry.path}.json`);
  }
  return doomed.map((entry) => entry.path);
}

/** Removes a step's snapshot unless it was kept (moved away) already. */
export async function removeRunningSnapshot(running: string, exec: Exec): Promise<void> {
  if (await exists(running)) await deleteSubvolume(exec, running);
}
