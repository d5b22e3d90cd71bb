// A worker's store: `<store>/<target>/stage.generations/gen-N` (store-layout.ts), read-only copies
// of a target's stage generations, received from the coordinator (or made here and pushed to it). A copy counts only when it is
// read-only and its identity is the coordinator's (subvolume-info.ts): a half-received one is
// neither, and is deleted before the next try.
import { mkdir, readdir, rename } from "node:fs/promises";
import path from "node:path";
import { createSnapshot, deleteSubvolume } from "../../container/btrfs.js";
import type { Exec } from "../../exec/exec.js";
import { startPipedChild, failureDetail } from "../../exec/piped-child.js";
import { receiveSubvolume, sendArgv } from "./btrfs-stream.js";
import { incomingName, type GenerationListing } from "./coordinator-stages.js";
import { identityOf, isComplete, readSubvolumeInfo } from "./subvolume-info.js";
import { targetStore } from "./store-layout.js";
import type { TransferClient } from "./transfer-client.js";
import { GENERATION_NAME, HAVE_HEADER, renderHaveHeader, TASK_HEADER, type HaveList } from "./transfer-routes.js";

/** The worker cannot have the generation a job names; the job must be refused. One line, says why. */
export class StageSyncError extends Error {
  override readonly name = "StageSyncError";
}

export interface StoreDeps {
  exec: Exec;
  client: TransferClient;
  store: string;
}

/** The complete generations in a target's store, by identity. */
async function readHave(exec: Exec, dir: string): Promise<HaveList> {
  const have = new Map<string, string>();
  for (const name of await readdir(dir)) {
    if (!GENERATION_NAME.test(name)) continue;
    const info = await readSubvolumeInfo(exec, path.join(dir, name)).catch(() => null);
    if (isComplete(info)) have.set(name, identityOf(info));
  }
  return have;
}

export async function ensureStoreGeneration(target: string, generation: string, deps: StoreDeps): Promise<string> {
  const listing = await deps.client.json<GenerationListing>(`/fleet/${target}/generations`).catch((error: Error) => {
    throw new StageSyncError(`target ${target}: cannot list the coordinator's generations to get ${generation}: ${error.message}`, { cause: error });
  });
  const wanted = listing.generations.find((candidate) => candidate.name === generation);
  if (!wanted) {
    throw new StageSyncError(`target ${target}: the job names stage ${generation}, but the coordinator has ${listing.generations.map((g) => g.name).join(", ") || "no generations"} (current ${listing.current}); refusing to build on another generation: plan the job again`);
  }
  const dir = targetStore(deps.store, target).generationsDir;
  await mkdir(dir, { recursive: true });
  const local = path.join(dir, generation);
  const info = await readSubvolumeInfo(deps.exec, local);
  if (isComplete(info) && identityOf(info) === wanted.identity) return local;
  if (info) await deleteSubvolume(deps.exec, local);
  try {
    const have = await readHave(deps.exec, dir);
    const res = await deps.client.request("GET", `/fleet/${target}/generations/${generation}/stream`, { headers: { [HAVE_HEADER]: renderHaveHeader(have) } });
    await receiveSubvolume(res, dir);
    const received = await readSubvolumeInfo(deps.exec, local);
    if (!isComplete(received) || identityOf(received) !== wanted.identity) {
      throw new Error(`the stream did not hold the coordinator's ${generation} (identity ${wanted.identity})`);
    }
    return local;
  } catch (error) {
    if (await readSubvolumeInfo(deps.exec, local).catch(() => null)) await deleteSubvolume(deps.exec, local);
    throw new StageSyncError(`target ${target}: cannot receive stage ${generation} from the coordinator: ${(error as Error).message}`, { cause: error });
  }
}

export async function pushStoreGeneration(
  target: string, parent: string, generation: string, subvolume: string, task: string, deps: StoreDeps,
): Promise<void> {
  const dir = targetStore(deps.store, target).generationsDir;
  await mkdir(dir, { recursive: true });
  const incoming = path.join(dir, incomingName(generation));
  if (await readSubvolumeInfo(deps.exec, incoming)) await deleteSubvolume(deps.exec, incoming);
  await createSnapshot(deps.exec, subvolume, incoming, { readonly: true });
  try {
    const parentPath = path.join(dir, parent);
    const incremental = isComplete(await readSubvolumeInfo(deps.exec, parentPath));
    const sender = startPipedChild(sendArgv(incoming, incremental ? parentPath : null));
    sender.stdin.end();
    const answered = deps.client.request("PUT", `/fleet/${target}/generations/${generation}?parent=${parent}`, {
      headers: { "content-type": "application/octet-stream", [TASK_HEADER]: task }, body: sender.stdout,
    });
    const res = await answered.catch((error: unknown) => {
      sender.kill();
      throw error;
    });
    res.resume();
    const sent = await sender.done;
    if (sent.code !== 0) throw new Error(`btrfs send of ${incoming} failed: ${failureDetail(sent)}`);
    const kept = path.join(dir, generation);
    if (await readSubvolumeInfo(deps.exec, kept)) await deleteSubvolume(deps.exec, kept);
    // Same directory: a read-only subvolume can be renamed there.
    await rename(incoming, kept);
  } catch (error) {
    await deleteSubvolume(deps.exec, incoming).catch(() => undefined);
    throw new StageSyncError(`target ${target}: cannot push stage ${generation} (made on ${parent}) to the coordinator: ${(error as Error).message}`, { cause: error });
  }
}
