// The coordinator's side of stage transfer: a target's generations as btrfs send sources, and a
// generation pushed by a worker made current the way a local persisting task's is (transaction.ts).
//
// btrfs send needs read-only sources. A generation received from a worker is read-only already and
// is sent as it is; one made here is writable (a local transaction renames its writable `next`), so
// it is sent from a read-only snapshot kept in `<stage>.generations/.transfer/gen-N` for as long as
// gen-N exists: workers find it again by its UUID as the parent of later incremental sends.
import { mkdir, readdir, rename } from "node:fs/promises";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { createSnapshot, deleteSubvolume } from "../../container/btrfs.js";
import { acquireStageLock, StageLockedError } from "../../container/stage-lock.js";
import type { Exec } from "../../exec/exec.js";
import { stageLockFile } from "../../plan/plan-run.js";
import { generationName, readCurrent, readGenerations, stageLayout, type StageLayout } from "../../stage/layout.js";
import { adoptStage, commitTransaction, recoverStage } from "../../stage/transaction.js";
import { receiveSubvolume, sendSubvolume, TransferError } from "./btrfs-stream.js";
import { identityOf, isComplete, readSubvolumeInfo } from "./subvolume-info.js";
import { chooseSendParent, type HaveList } from "./transfer-routes.js";

/** One target as the coordinator holds it (from its binpkgbot.yml). */
export interface TransferTarget {
  name: string;
  stage: string;
  pkgdir: string;
  /** `stage_generations`: how many generations a pushed one leaves. */
  stageGenerations: number;
  /** The target signs its binpkgs: uploads must come signed (binpkg-upload.ts). */
  signs?: boolean;
  /** STATE_DIR/logs: where the steps' logs sent by workers go (log-upload.ts); none: they are refused. */
  logsDir?: string;
}

export interface StageDeps {
  exec: Exec;
  now: () => Date;
}

export interface GenerationListing {
  current: string;
  generations: { name: string; identity: string }[];
}

interface SendSource {
  name: string;
  identity: string;
  path: string;
}

const TRANSFER_DIR = ".transfer";

/** Where an incoming generation is received: hidden from readGenerations (gen-N only) until it is whole. */
export function incomingName(generation: string): string {
  return `${generation}.incoming`;
}

async function readSources(target: TransferTarget, deps: StageDeps): Promise<{ current: string; sources: SendSource[] }> {
  const layout = stageLayout(target.stage);
  const current = await readCurrent(layout);
  if (current.kind !== "generation") {
    throw new TransferError(`target ${target.name}: the stage ${target.stage} has no generations yet, so nothing can be sent; a persisting task run on the coordinator (binpkgbot run) makes the first`, 409);
  }
  const copies = path.join(layout.generationsDir, TRANSFER_DIR);
  await mkdir(copies, { recursive: true });
  const generations = await readGenerations(layout);
  const sources: SendSource[] = [];
  for (const generation of generations) {
    const info = await readSubvolumeInfo(deps.exec, generation.path);
    if (info?.readOnly) {
      sources.push({ name: generation.name, identity: identityOf(info), path: generation.path });
      continue;
    }
    const copy = path.join(copies, generation.name);
    let copied = await readSubvolumeInfo(deps.exec, copy);
    if (copied === null) {
      await createSnapshot(deps.exec, generation.path, copy, { readonly: true });
      copied = await readSubvolumeInfo(deps.exec, copy);
    }
    if (copied) sources.push({ name: generation.name, identity: identityOf(copied), path: copy });
  }
  await removeStaleCopies(copies, new Set(generations.map((generation) => generation.name)), deps);
  return { current: current.name, sources };
}

/** Read-only copies of generations that pruning or a rollback removed meanwhile. */
async function removeStaleCopies(copies: string, kept: ReadonlySet<string>, deps: StageDeps): Promise<void> {
  for (const name of await readdir(copies)) {
    if (!kept.has(name)) await deleteSubvolume(deps.exec, path.join(copies, name));
  }
}

/** Serialises the work on one target's generations within this process (copies are made lazily). */
const queues = new Map<string, Promise<unknown>>();
function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  queues.set(key, next.catch(() => undefined));
  return next;
}

export function listGenerations(target: TransferTarget, deps: StageDeps): Promise<GenerationListing> {
  return serialised(target.stage, async () => {
    const { current, sources } = await readSources(target, deps);
    return { current, generations: sources.map(({ name, identity }) => ({ name, identity })) };
  });
}

/** Where to send `generation` from, and from which parent; a one-line error when it is gone. */
export async function planSend(target: TransferTarget, generation: string, have: HaveList, deps: StageDeps): Promise<{ source: string; parent: string | null; parentName: string | null }> {
  const { current, sources } = await serialised(target.stage, () => readSources(target, deps));
  const source = sources.find((candidate) => candidate.name === generation);
  if (!source) {
    throw new TransferError(`target ${target.name} has no generation ${generation} (the stage is at ${current}; kept: ${sources.map((s) => s.name).join(", ")}): the job was planned for another stage; plan it again`, 404);
  }
  const parentName = chooseSendParent(generation, new Map(sources.map((s) => [s.name, s.identity])), have);
  const parent = sources.find((candidate) => candidate.name === parentName)?.path ?? null;
  return { source: source.path, parent, parentName };
}

export function sendGeneration(source: string, parent: string | null, output: Writable): Promise<void> {
  return sendSubvolume(source, parent, output);
}

export interface PushMeta {
  task: string;
  run?: string;
}

/**
 * Receives `generation`, made on `parent` by a worker, and makes it the stage. Refused (409) unless
 * the stage is still at `parent` and `generation` is the name a local transaction would give it now;
 * the stage lock keeps a local run out meanwhile.
 */
export async function receiveGeneration(
  target: TransferTarget, generation: string, parent: string, input: Readable, meta: PushMeta, deps: StageDeps,
): Promise<{ generation: string; pruned: string[] }> {
  const lock = await acquireStageLock(stageLockFile(target.stage), { pid: process.pid, now: deps.now() }).catch((error: unknown) => {
    // The run of `binpkgbot coordinator` in this process holds the lock while its persisting step's job
    // runs on a worker, and waits for this push: the stage is the push's under the run's lock.
    if (error instanceof StageLockedError && error.owner.pid === process.pid) return null;
    if (error instanceof StageLockedError) throw new TransferError(`target ${target.name}: ${error.message}`, 409, { cause: error });
    throw error;
  });
  try {
    return await serialised(target.stage, async () => {
      const layout = stageLayout(target.stage);
      await checkPushable(target, layout, generation, parent);
      // Under the stage lock no other receive runs: what an interrupted one left is deleted first.
      for (const name of (await readdir(layout.generationsDir)).filter((entry) => entry.endsWith(incomingName("")))) {
        await deleteSubvolume(deps.exec, path.join(layout.generationsDir, name));
      }
      const incoming = path.join(layout.generationsDir, incomingName(generation));
      await receiveInto(layout, incoming, input, deps);
      if (await readSubvolumeInfo(deps.exec, layout.next)) await deleteSubvolume(deps.exec, layout.next);
      // Same directory: a read-only subvolume can be renamed there (not moved to another one).
      await rename(incoming, layout.next);
      return commitTransaction(layout, meta, target.stageGenerations, deps);
    });
  } finally {
    await lock?.release();
  }
}

async function checkPushable(target: TransferTarget, layout: StageLayout, generation: string, parent: string): Promise<void> {
  const current = await readCurrent(layout);
  const at = current.kind === "generation" ? current.name : current.kind;
  if (at !== parent) {
    throw new TransferError(`target ${target.name}: ${generation} was made on ${parent}, but the stage is at ${at} now; it is not taken: plan the persisting step again`, 409);
  }
  const highest = (await readGenerations(layout)).at(-1)?.number ?? 0;
  if (generation !== generationName(highest + 1)) {
    throw new TransferError(`target ${target.name}: the next generation is ${generationName(highest + 1)}, not ${generation}; name the pushed generation that way`, 409);
  }
}

/**
 * Receives into the generations directory itself (a read-only subvolume can be renamed only within
 * its directory). Whatever a failed or foreign stream left there, under any name, is deleted.
 */
async function receiveInto(layout: StageLayout, incoming: string, input: Readable, deps: StageDeps): Promise<void> {
  const expected = path.basename(incoming);
  const before = new Set(await readdir(layout.generationsDir));
  try {
    const { name } = await receiveSubvolume(input, layout.generationsDir);
    const info = await readSubvolumeInfo(deps.exec, incoming);
    if (name !== expected || !isComplete(info) || info.receivedUuid === null) {
      throw new TransferError(`the stream held ${name ?? "no subvolume"}, not a complete read-only ${expected}: push the worker's read-only snapshot named ${expected}`, 400);
    }
  } catch (error) {
    for (const name of await readdir(layout.generationsDir)) {
      const left = path.join(layout.generationsDir, name);
      if (!before.has(name) && (await readSubvolumeInfo(deps.exec, left).catch(() => null))) await deleteSubvolume(deps.exec, left);
    }
    throw error;
  }
}

/**
 * Workers on other hosts receive generations, so a target whose stage is still a plain directory is
 * made its first generation, unchanged, before the run plans (under the stage lock; a locked stage is
 * left to the run, which reports it). Returns a line for each stage adopted or left as it was.
 */
export async function adoptPlainStages(targets: readonly TransferTarget[], deps: StageDeps): Promise<string[]> {
  const lines: string[] = [];
  for (const target of targets) {
    const layout = stageLayout(target.stage);
    if ((await readCurrent(layout)).kind !== "plain") continue;
    const lock = await acquireStageLock(stageLockFile(target.stage), { pid: process.pid, now: deps.now() }).catch((error: unknown) => {
      if (error instanceof StageLockedError) return null;
      throw error;
    });
    if (lock === null) continue;
    try {
      lines.push(...(await recoverStage(layout, deps)).map((message) => `target ${target.name}: ${message}`));
      const adopted = await adoptStage(layout, deps);
      if (adopted !== null) lines.push(`target ${target.name}: the stage ${target.stage} is now its first generation, ${adopted} (unchanged), so that workers on other hosts can receive it`);
    } finally {
      await lock.release();
    }
  }
  return lines;
}
