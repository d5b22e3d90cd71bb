// All-or-nothing changes to the stage. A persisting task runs on `next`, a snapshot of the current
// generation; only a successful task's snapshot becomes the stage, by an atomic symlink swap. A journal
// written before the swap lets the next start finish or undo a swap that a crash interrupted.
import { mkdir, readFile, rename } from "node:fs/promises";
import { createSnapshot, deleteSubvolume } from "../container/btrfs.js";
import type { Exec } from "../exec/exec.js";
import { removeFile, replaceSymlink, writeFileAtomic } from "../io/atomic-file.js";
import {
  exists, generationName, linkTarget, metaFile, readCurrent, readGenerations, readMeta,
  type GenerationMeta, type StageLayout,
} from "./layout.js";

export interface TransactionDeps {
  exec: Exec;
  now: () => Date;
  /** Test-only: called at each step of the swap, so a test can kill the process there. */
  crashPoint?: (name: CrashPoint) => void;
}

export const CRASH_POINTS = ["snapshot-taken", "journal-written", "next-renamed", "stage-adopted", "stage-linked", "journal-removed"] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

interface Journal {
  generation: string;
  previous: string;
  /** Set when the stage was a plain directory: it moves into the generations under this name. */
  adoptAs?: string;
  meta: GenerationMeta;
}

/** The stage path is missing or not usable; says what to do. */
export class StageError extends Error {
  override readonly name = "StageError";
}

/** Snapshots the current stage to `next` for a persisting task; returns the directory to run it on. */
export async function beginTransaction(layout: StageLayout, deps: TransactionDeps): Promise<string> {
  const current = await readCurrent(layout);
  if (current.kind === "missing") throw new StageError(`stage ${layout.stage} does not exist: create it with binpkgbot stage init --from STAGE3.tar.xz`);
  await mkdir(layout.generationsDir, { recursive: true });
  for (const stale of [layout.next, layout.failed]) {
    if (await exists(stale)) await deleteSubvolume(deps.exec, stale);
  }
  await removeFile(`${layout.failed}.json`);
  await createSnapshot(deps.exec, current.path, layout.next);
  deps.crashPoint?.("snapshot-taken");
  return layout.next;
}

/** Makes `next` the stage; the previous generation is kept, and those beyond `keep` are deleted. */
export async function commitTransaction(
  layout: StageLayout, meta: Omit<GenerationMeta, "created">, keep: number, deps: TransactionDeps,
): Promise<{ generation: string; pruned: string[] }> {
  const current = await readCurrent(layout);
  const generations = await readGenerations(layout);
  const highest = generations.at(-1)?.number ?? 0;
  const adopting = current.kind === "plain";
  const journal: Journal = {
    generation: generationName(highest + (adopting ? 2 : 1)),
    previous: current.kind === "generation" ? current.name : "plain",
    ...(adopting ? { adoptAs: generationName(highest + 1) } : {}),
    meta: { ...meta, created: deps.now().toISOString() },
  };
  await writeFileAtomic(layout.journal, JSON.stringify(journal, null, 2));
  deps.crashPoint?.("journal-written");
  await finishSwap(layout, journal, deps);
  const pruned = await pruneGenerations(layout, keep, deps);
  return { generation: journal.generation, pruned };
}

/** Completes a journalled swap from wherever it stopped. Each step checks what is done already. */
async function finishSwap(layout: StageLayout, journal: Journal, deps: TransactionDeps): Promise<void> {
  const generationPath = `${layout.generationsDir}/${journal.generation}`;
  if (await exists(layout.next)) await rename(layout.next, generationPath);
  if (!(await readMeta(metaFile(layout, journal.generation)))) await writeFileAtomic(metaFile(layout, journal.generation), JSON.stringify(journal.meta, null, 2));
  deps.crashPoint?.("next-renamed");
  const current = await readCurrent(layout);
  if (journal.adoptAs && current.kind === "plain") {
    // The one moment the stage path is empty: a plain directory cannot be replaced by a symlink in one
    // rename. It happens once per stage, and the journal lets the next start complete it.
    await rename(layout.stage, `${layout.generationsDir}/${journal.adoptAs}`);
    deps.crashPoint?.("stage-adopted");
  }
  if (journal.adoptAs && !(await readMeta(metaFile(layout, journal.adoptAs)))) {
    await writeFileAtomic(metaFile(layout, journal.adoptAs), JSON.stringify({ created: journal.meta.created, task: "adopted" }, null, 2));
  }
  await replaceSymlink(layout.stage, linkTarget(layout, journal.generation));
  deps.crashPoint?.("stage-linked");
  await removeFile(layout.journal);
  deps.crashPoint?.("journal-removed");
}

/**
 * A stage that is still a plain directory becomes its first generation unchanged, by the journalled
 * swap a commit uses to adopt it (so a crash midway is finished or undone by recoverStage). Call with
 * the stage lock held, after recoverStage (a stale `next` would be taken for the new generation).
 * Returns the generation's name, or null when the stage has generations already.
 */
export async function adoptStage(layout: StageLayout, deps: TransactionDeps): Promise<string | null> {
  if ((await readCurrent(layout)).kind !== "plain") return null;
  if (await exists(layout.next)) throw new StageError(`${layout.next} exists: run binpkgbot run once to clear what an interrupted task left, then try again`);
  await mkdir(layout.generationsDir, { recursive: true });
  const name = generationName(((await readGenerations(layout)).at(-1)?.number ?? 0) + 1);
  const journal: Journal = { generation: name, previous: "plain", adoptAs: name, meta: { task: "adopted", created: deps.now().toISOString() } };
  await writeFileAtomic(layout.journal, JSON.stringify(journal, null, 2));
  deps.crashPoint?.("journal-written");
  await finishSwap(layout, journal, deps);
  return name;
}

/** After a failed task: the stage is untouched; its snapshot is kept as `failed` for inspection. */
export async function failTransaction(layout: StageLayout, meta: Omit<GenerationMeta, "created">, deps: TransactionDeps): Promise<string> {
  await rename(layout.next, layout.failed);
  await writeFileAtomic(`${layout.failed}.json`, JSON.stringify({ ...meta, created: deps.now().toISOString() }, null, 2));
  return layout.failed;
}

/** After an interrupted task: the stage is untouched and its snapshot is deleted. */
export async function abortTransaction(layout: StageLayout, deps: TransactionDeps): Promise<void> {
  if (await exists(layout.next)) await deleteSubvolume(deps.exec, layout.next);
}

export async function pruneGenerations(layout: StageLayout, keep: number, deps: TransactionDeps): Promise<string[]> {
  const current = await readCurrent(layout);
  const generations = await readGenerations(layout);
  const doomed = generations.slice(0, Math.max(0, generations.length - keep))
    .filter((generation) => !(current.kind === "generation" && current.name === generation.name));
  for (const generation of doomed) {
    await deleteSubvolume(deps.exec, generation.path);
    await removeFile(metaFile(layout, generation.name));
  }
  return doomed.map((generation) => generation.name);
}

/** At start: finishes or undoes a swap a crash interrupted, and removes a stale `next`. Says what it did. */
export async function recoverStage(layout: StageLayout, deps: TransactionDeps): Promise<string[]> {
  const messages: string[] = [];
  const journalText = await readFile(layout.journal, "utf8").catch(() => null);
  if (journalText !== null) {
    const journal = JSON.parse(journalText) as Journal;
    const renamed = await exists(`${layout.generationsDir}/${journal.generation}`);
    if (!renamed && (await readCurrent(layout)).kind !== "missing") {
      await abortTransaction(layout, deps);
      await removeFile(layout.journal);
      messages.push(`undid an interrupted stage swap: the stage stays at ${journal.previous}`);
    } else {
      await finishSwap(layout, journal, deps);
      messages.push(`finished an interrupted stage swap: the stage is now ${journal.generation} (made by ${journal.meta.task})`);
    }
  }
  if (await exists(layout.next)) {
    await abortTransaction(layout, deps);
    messages.push(`removed ${layout.next}, the snapshot of a persisting task that was interrupted; the stage was not changed`);
  }
  if (await removeFailedSnapshot(layout, deps)) messages.push(`removed ${layout.failed}, the snapshot of the last run's failed persisting task`);
  await removeFile(`${layout.stage}.binpkgbot-link`);
  return messages;
}

/** Removes the snapshot a failed persisting task left, if there is one; says whether there was. */
export async function removeFailedSnapshot(layout: StageLayout, deps: Pick<TransactionDeps, "exec">): Promise<boolean> {
  if (!(await exists(layout.failed))) return false;
  await deleteSubvolume(deps.exec, layout.failed);
  await removeFile(`${layout.failed}.json`);
  return true;
}
