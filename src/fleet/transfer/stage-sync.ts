// What a fleet worker needs of the coordinator to run a job: the stage generation the job names, a
// way to hand back a generation a persisting step made, and the upload of the binpkgs it built.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { readPackagesIndexFile } from "../../binhost/pkgdir-index.js";
import { nodeExec, type Exec } from "../../exec/exec.js";
import { keyedSerial } from "./keyed-serial.js";
import { createTransferClient, type CoordinatorConnection, type TransferClient } from "./transfer-client.js";
import { ENTRY_LENGTH_HEADER } from "./transfer-routes.js";
import { ensureStoreGeneration, pushStoreGeneration, StageSyncError, type StoreDeps } from "./worker-store.js";

export { StageSyncError } from "./worker-store.js";

export interface StageSync {
  /** Makes generation `generation` of `target` present in the worker's store (incrementally from the
   *  newest it has) and returns the path of a read-only subvolume of it. */
  ensureGeneration(target: string, generation: string): Promise<string>;
  /** After a persisting step made `generation` on this worker: sends it (incrementally from `parent`)
   *  to the coordinator, which makes it the target's current generation. */
  pushGeneration(target: string, parent: string, generation: string, subvolume: string): Promise<void>;
  /** Uploads binpkgs a job built (paths relative to the job's PKGDIR, with their Packages entries); returns
   *  their paths in the coordinator's PKGDIR, in order (another BUILD_ID where another build had theirs). */
  uploadBinpkgs(target: string, pkgdir: string, relativePaths: readonly string[]): Promise<string[]>;
  /** Sends the log of a step this worker ran to the coordinator's run (RUN/TASK.log there); one host: nothing to send. */
  uploadLog(target: string, runId: string, taskId: string, file: string): Promise<void>;
}

export interface HttpStageSyncOptions {
  coordinator: CoordinatorConnection;
  /** The worker's store directory, on btrfs. */
  store: string;
  exec?: Exec;
  /** Recorded with a pushed generation (`stage list` on the coordinator); default "pushed by a worker". */
  pushedBy?: string;
}

/** The StageSync of a worker on another host than the coordinator: btrfs streams and uploads over HTTP(S). */
export async function createHttpStageSync(options: HttpStageSyncOptions): Promise<StageSync> {
  const client = await createTransferClient(options.coordinator);
  const deps: StoreDeps = { exec: options.exec ?? nodeExec, client, store: options.store };
  // One transfer per target at a time: two jobs on one generation receive it once.
  const serialised = keyedSerial();
  return {
    ensureGeneration: (target, generation) => serialised(target, () => ensureStoreGeneration(target, generation, deps)),
    pushGeneration: (target, parent, generation, subvolume) =>
      serialised(target, () => pushStoreGeneration(target, parent, generation, subvolume, options.pushedBy ?? "pushed by a worker", deps)),
    uploadBinpkgs: (target, pkgdir, relativePaths) => uploadBinpkgs(client, target, pkgdir, relativePaths),
    async uploadLog(target, runId, taskId, file) {
      const url = `/fleet/${target}/logs/${runId}/${encodeURIComponent(`${taskId}.log`)}`;
      const { size } = await stat(file);
      const res = await client.request("PUT", url, { headers: { "content-type": "text/plain", "content-length": String(size) }, body: createReadStream(file) }).catch((error: Error) => {
        throw new StageSyncError(`target ${target}: cannot send the log ${file} to the coordinator: ${error.message}`, { cause: error });
      });
      res.resume();
    },
  };
}

async function uploadBinpkgs(client: TransferClient, target: string, pkgdir: string, relativePaths: readonly string[]): Promise<string[]> {
  const index = await readPackagesIndexFile(pkgdir);
  const placed: string[] = [];
  for (const relPath of relativePaths) {
    const entry = index?.packages.find((candidate) => candidate.path === relPath);
    if (!entry) throw new StageSyncError(`target ${target}: ${path.join(pkgdir, relPath)} has no entry in ${path.join(pkgdir, "Packages")}: only binpkgs Portage indexed are uploaded`);
    // Values the worker's index leaves to its header travel with the entry: the coordinator's header may differ.
    const fields = { ...entry.fields, ...(entry.chost && !entry.fields.CHOST ? { CHOST: entry.chost } : {}), ...(entry.repo && !entry.fields.REPO ? { REPO: entry.repo } : {}) };
    const text = Buffer.from(renderEntryText(fields), "utf8");
    const file = path.join(pkgdir, ...relPath.split("/"));
    const { size } = await stat(file);
    const body = Readable.from((async function* () {
      yield text;
      yield* createReadStream(file);
    })());
    const url = `/fleet/${target}/binpkgs/${relPath.split("/").map(encodeURIComponent).join("/")}`;
    const res = await client.request("PUT", url, {
      headers: { "content-type": "application/octet-stream", "content-length": String(text.length + size), [ENTRY_LENGTH_HEADER]: String(text.length) }, body,
    }).catch((error: Error) => {
      throw new StageSyncError(`target ${target}: cannot upload ${relPath}: ${error.message}`, { cause: error });
    });
    placed.push(await readPlacedPath(res, relPath));
  }
  return placed;
}

/** The path the coordinator gave the upload (binpkg-upload.ts UploadResult); the worker's own if it says none. */
async function readPlacedPath(res: Readable, relPath: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    const answer = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { path?: unknown };
    return typeof answer.path === "string" ? answer.path : relPath;
  } catch {
    return relPath;
  }
}

/** Pure: one Packages block, `KEY: value` lines, empty values left out (getbinpkg.py `_writepkgindex`). */
export function renderEntryText(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields).filter(([, value]) => value !== "").map(([key, value]) => `${key}: ${value}\n`).join("");
}
