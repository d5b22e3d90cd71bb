// Ephemeral snapshots systemd-nspawn leaves behind when it is killed hard (SIGKILL, OOM, power).
//
// systemd-nspawn(1) --ephemeral snapshots DIR to a hidden sibling created by
// tempfn_random(DIR, "machine.") in src/nspawn/nspawn.c: ".#machine.<basename of DIR><16 hex>",
// beside a lock file ".#.#machine.<…>.lck" it holds with an OFD lock while running. The name
// carries the stage's name, not --machine=. After a SIGKILL of nspawn, both stay, and the
// container's PID 1 keeps running, re-parented, with the snapshot as its root.
import { readdir, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { Exec } from "../exec/exec.js";
import { deleteSubvolume } from "./btrfs.js";
import { parseCgroupOwner } from "./cgroup-location.js";
import { removeMemoryCgroup } from "./memory-cgroup.js";
import { readMemoryLimitMethod, type MemoryLimitDeps } from "./memory-limit.js";
import { findSnapshotProcesses, isLockedFile, isRunning, readComm, type SnapshotProcess } from "./container-processes.js";

export const MACHINE_PREFIX = "binpkgbot-";

export interface LeftoverDeps {
  exec: Exec;
  /** Defaults to /proc. */
  procDir?: string;
  /** Only orphaned containers whose machine (host) name starts with this are killed. */
  machinePrefix?: string;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

export interface LeftoverReport {
  removed: string[];
  /** Orphaned container PID 1s that were killed so their snapshot could go. */
  killed: { pid: number; machine: string }[];
  skipped: { path: string; reason: string }[];
}

/** Whether a directory entry is an ephemeral snapshot of the stage called `stageName`. */
export function isLeftoverName(stageName: string, entry: string): boolean {
  const prefix = `.#machine.${stageName}`;
  return entry.startsWith(prefix) && /^[0-9a-f]{16}$/.test(entry.slice(prefix.length));
}

/** Absolute paths of the ephemeral snapshots of `stageDirectory` found beside it. */
export async function findLeftoverSnapshots(stageDirectory: string): Promise<string[]> {
  const parent = dirname(stageDirectory);
  const name = basename(stageDirectory);
  const entries = await readdir(parent);
  return entries.filter((entry) => isLeftoverName(name, entry)).sort().map((entry) => join(parent, entry));
}

export async function removeLeftoverSnapshots(stageDirectory: string, deps: LeftoverDeps): Promise<LeftoverReport> {
  const report: LeftoverReport = { removed: [], killed: [], skipped: [] };
  for (const snapshot of await findLeftoverSnapshots(stageDirectory)) await removeOrphanedSnapshot(snapshot, deps, report);
  return report;
}

/**
 * Deletes a snapshot a dead run left, after killing binpkgbot's orphaned containers on it; one a running
 * nspawn or another's container uses is skipped. nspawn locks a directory it runs on, ephemeral or not,
 * with ".#NAME.lck" beside it (image_path_lock() in src/shared/machine-image.c). Records it all in `report`.
 */
export async function removeOrphanedSnapshot(snapshot: string, deps: LeftoverDeps, report: LeftoverReport): Promise<void> {
  const verdict = await stopOrphans(snapshot, deps, report);
  if (verdict !== null) {
    report.skipped.push({ path: snapshot, reason: verdict });
    return;
  }
  await deleteSubvolume(deps.exec, snapshot);
  await unlink(lockFileOf(snapshot)).catch(() => undefined);
  report.removed.push(snapshot);
}

function lockFileOf(snapshot: string): string {
  return join(dirname(snapshot), `.#${basename(snapshot)}.lck`);
}

/** Kills binpkgbot's orphaned containers on the snapshot; returns why not to delete it, or null. */
async function stopOrphans(snapshot: string, deps: LeftoverDeps, report: LeftoverReport): Promise<string | null> {
  const procDir = deps.procDir ?? "/proc";
  const lockInode = await stat(lockFileOf(snapshot)).then((info) => info.ino, () => null);
  if (lockInode !== null && (await isLockedFile(procDir, lockInode))) {
    return "in use: a running systemd-nspawn holds its lock";
  }
  const processes = await findSnapshotProcesses(procDir, basename(snapshot));
  const inside = new Set(processes.map((process) => process.pid));
  for (const init of processes.filter((process) => !inside.has(process.ppid))) {
    if ((await readComm(procDir, init.ppid)) === "systemd-nspawn") return `in use by the container of PID ${init.ppid}`;
    const machine = await readMachineName(deps.exec, init.pid);
    if (!machine.startsWith(deps.machinePrefix ?? MACHINE_PREFIX)) {
      return `an orphaned container "${machine}" (PID ${init.pid}) still runs on it and is not binpkgbot's; stop it (kill ${init.pid}) and delete the snapshot by hand`;
    }
    await killAndWait(init, procDir, deps.kill ?? ((pid, signal) => process.kill(pid, signal)));
    report.killed.push({ pid: init.pid, machine });
  }
  return null;
}

// nspawn sets the container's host name to --machine= (systemd-nspawn(1)); read it in the
// container's UTS namespace.
async function readMachineName(exec: Exec, pid: number): Promise<string> {
  const result = await exec.run(["nsenter", `--target=${pid}`, "--uts", "--", "uname", "-n"]);
  return result.code === 0 ? result.stdout.trim() : "";
}

// SIGKILL to a PID namespace's init kills every process in it (pid_namespaces(7)).
async function killAndWait(init: SnapshotProcess, procDir: string, kill: NonNullable<LeftoverDeps["kill"]>): Promise<void> {
  try {
    kill(init.pid, "SIGKILL");
  } catch {
    return; // already gone
  }
  for (let waited = 0; waited < 5000; waited += 50) {
    if (!(await isRunning(procDir, init.pid))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface CgroupLeftoverReport {
  removed: string[];
  problems: string[];
}

/**
 * Memory cgroups a run left when it was killed hard (kill -9): binpkgbot's names carry the run's PID
 * (src/container/cgroup-location.ts), so groups of runs still alive, concurrent ones too, are left alone.
 * A process still in a dead run's group is its orphaned container and is killed with it.
 */
export async function removeLeftoverCgroups(deps: MemoryLimitDeps, isAlive: (pid: number) => boolean): Promise<CgroupLeftoverReport> {
  const report: CgroupLeftoverReport = { removed: [], problems: [] };
  const method = await readMemoryLimitMethod(false, deps);
  if (method.kind !== "cgroup") return report;
  for (const name of await deps.fs.readSubdirs(method.place.parent).catch(() => [] as string[])) {
    const owner = parseCgroupOwner(name);
    if (owner === null || owner === deps.pid || isAlive(owner)) continue;
    const path = join(method.place.parent, name);
    await removeMemoryCgroup(deps.fs, { place: method.place, path }).then(
      () => report.removed.push(path),
      (error: unknown) => report.problems.push((error as Error).message),
    );
  }
  return report;
}
