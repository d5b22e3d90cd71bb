// Where a worker on another host than the coordinator runs a job: its copy of the target in its store
// (store-layout.ts). Before a job the copy's stage is pointed at the generation the job names (received
// by the StageSync) and its PKGDIR made the coordinator's (pkgdir-mirror.ts); the copy is held there
// until the job ends. Jobs of one target that run here at once are of one group between two barriers
// (src/fleet/queue/queue-carrier.ts), so they name one generation: the first of them prepares the copy,
// the others share it. A job for another generation while the copy is held is refused.
import { access, mkdir } from "node:fs/promises";
import type { Exec } from "../../exec/exec.js";
import { replaceSymlink } from "../../io/atomic-file.js";
import { linkTarget, stageLayout } from "../../stage/layout-paths.js";
import { pruneGenerations } from "../../stage/transaction.js";
import { planRemoteJob, type RemoteJob } from "../queue/remote-step.js";
import type { StepJob } from "../queue/step-job.js";
import { keyedSerial } from "./keyed-serial.js";
import { mirrorPkgdir, type MirrorResult } from "./pkgdir-mirror.js";
import { StageSyncError } from "./worker-store.js";
import { targetStore } from "./store-layout.js";
import type { TransferClient } from "./transfer-client.js";

/** Where the jobs run: the coordinator's own paths (one host), or a worker's store. */
export interface JobPlace {
  /** Jobs run on a copy: what they make is sent to the coordinator (and said so). */
  remote: boolean;
  /** The job as it runs here (pure), with the planned paths it reads as they are. */
  localize(job: StepJob): RemoteJob;
  /** Refuses, with one line, a job one of whose shared paths this host lacks; makes the store's directory of the target. */
  ready(remote: RemoteJob): Promise<void>;
  /** Holds the target's copy at the job's generation until the returned release is called. */
  hold(job: StepJob): Promise<() => void>;
}

/** One host: the plan's paths are this host's; nothing to hold. */
export const coordinatorPlace: JobPlace = {
  remote: false,
  localize: (job) => ({ job, shared: [] }),
  ready: async () => undefined,
  hold: async () => () => undefined,
};

export interface StorePlaceOptions {
  store: string;
  client: TransferClient;
  /** Runs btrfs to delete generations the copy no longer needs. */
  exec: Exec;
  /** A line for the worker's output (what the mirror fetched). */
  say: (line: string) => void;
}

export function createStorePlace(options: StorePlaceOptions): JobPlace {
  const held = new Map<string, { generation: string; jobs: number }>();
  const serialised = keyedSerial();
  return {
    remote: true,
    localize: (job) => planRemoteJob(job, options.store),
    async ready(remote) {
      for (const shared of remote.shared) {
        if (!(await access(shared.path).then(() => true, () => false))) {
          throw new StageSyncError(`target ${remote.job.target}: ${shared.path} (${shared.use}) is missing on this worker; every worker host needs the plan's etc_portage, repository, DISTDIR and binds at the coordinator's paths (config management or a shared mount)`);
        }
      }
      await mkdir(targetStore(options.store, remote.job.target).root, { recursive: true });
    },
    hold: (job) => serialised(job.target, async () => {
      const current = held.get(job.target);
      if (current && current.jobs > 0 && current.generation !== job.generation) {
        throw new StageSyncError(`target ${job.target}: a job on ${current.generation} runs on this worker, this one names ${job.generation}; it is not run on the copy in use`);
      }
      if (!current || current.jobs === 0) await prepare(options, job);
      // One record per target, so that every job's release counts down the same one.
      const entry = current ?? { generation: job.generation, jobs: 0 };
      entry.generation = job.generation;
      entry.jobs += 1;
      held.set(job.target, entry);
      let released = false;
      return () => {
        if (!released) entry.jobs -= 1;
        released = true;
      };
    }),
  };
}

/**
 * How many generations a copy keeps, the newest (the one its jobs run on is never removed): usually
 * that one and the one before it, from which the next is received incrementally (`btrfs send -p`,
 * coordinator-stages.ts). A persisting step's commit prunes to `stage_generations`, as on the coordinator.
 */
export const STORE_GENERATIONS = 2;

async function prepare(options: StorePlaceOptions, job: StepJob): Promise<void> {
  const local = targetStore(options.store, job.target);
  const layout = stageLayout(local.stage);
  await mkdir(local.root, { recursive: true });
  await replaceSymlink(local.stage, linkTarget(layout, job.generation));
  const pruned = await pruneGenerations(layout, STORE_GENERATIONS, { exec: options.exec, now: () => new Date() });
  if (pruned.length > 0) options.say(`${job.target}: removed ${pruned.join(", ")} from the store (it keeps the newest ${STORE_GENERATIONS})`);
  const mirrored = await mirrorPkgdir(options.client, job.target, local.pkgdir);
  const line = describeMirror(mirrored);
  if (line !== null) options.say(`${job.target}: PKGDIR copy ${line}`);
}

function describeMirror(result: MirrorResult): string | null {
  const parts = [
    ...(result.fetched.length > 0 ? [`fetched ${result.fetched.length} binpkg${result.fetched.length === 1 ? "" : "s"} from the coordinator`] : []),
    ...(result.removed.length > 0 ? [`removed ${result.removed.length} the coordinator does not list`] : []),
    ...result.skipped.map((entry) => `left out ${entry.path} (${entry.reason})`),
  ];
  return parts.length === 0 ? null : parts.join("; ");
}
