// A memory cgroup per container where systemd cannot make one (PID 1 is not systemd, so nspawn runs
// with --keep-unit and no scope unit takes --property=MemoryMax=). The filesystem comes in as CgroupFs,
// so that tests use a directory tree in its place.
import { mkdir, readdir, readFile, rmdir, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import type { CgroupPlace } from "./cgroup-location.js";

export interface CgroupFs {
  readFile(path: string): Promise<string>;
  writeFile(path: string, text: string): Promise<void>;
  /** Fails with EEXIST where the directory is. */
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Names of the subdirectories (child groups). */
  readSubdirs(path: string): Promise<string[]>;
  kill(pid: number): void;
  sleep(ms: number): Promise<void>;
}

export const nodeCgroupFs: CgroupFs = {
  readFile: (path) => readFile(path, "utf8"),
  writeFile: (path, text) => writeFile(path, text),
  mkdir: (path) => mkdir(path).then(() => undefined),
  rmdir: (path) => rmdir(path),
  readSubdirs: async (path) => (await readdir(path, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name),
  kill: (pid) => process.kill(pid, "SIGKILL"),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** A group could not be made, limited or removed; the message names the path and what to do. */
export class CgroupError extends Error {
  override readonly name = "CgroupError";
}

export interface MemoryCgroup {
  place: CgroupPlace;
  path: string;
}

/** The interface file that limits a group, and its text (cgroup-v2.rst memory.max; cgroup-v1/memory.rst memory.limit_in_bytes). */
export function renderMemoryLimit(version: 1 | 2, bytes: number): { file: string; text: string } {
  return version === 2 ? { file: "memory.max", text: `${bytes}\n` } : { file: "memory.limit_in_bytes", text: `${bytes}\n` };
}

/**
 * Runs argv with its first process already in the group: the shell writes its own PID to cgroup.procs
 * and execs argv under the same PID, so every process of the container starts inside the limit.
 * The path is an argument ($0), never part of the script.
 */
export function renderCgroupWrapper(group: string, argv: readonly string[]): string[] {
  return ["sh", "-c", 'echo $$ > "$0" && exec "$@"', posix.join(group, "cgroup.procs"), ...argv];
}

/** "oom_kill 3" in memory.events (v2) or memory.oom_control (v1, Linux 4.13+); 0 where absent. */
export function parseOomKills(text: string): number {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** Makes the group `name` under the place, limited to `bytes`. */
export async function createMemoryCgroup(fs: CgroupFs, place: CgroupPlace, name: string, bytes: number): Promise<MemoryCgroup> {
  if (place.version === 2) await prepareV2Parent(fs, place);
  const path = posix.join(place.parent, name);
  // A group of this name is a retry's whose removal failed: the same run and the same step.
  await fs.mkdir(path).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw cgroupError(`cannot create the cgroup ${path}`, error, place);
    await removeMemoryCgroup(fs, { place, path });
    await fs.mkdir(path);
  });
  const limit = renderMemoryLimit(place.version, bytes);
  try {
    await fs.writeFile(posix.join(path, limit.file), limit.text);
  } catch (error) {
    await fs.rmdir(path).catch(() => undefined);
    throw cgroupError(`cannot set ${limit.file} of ${path}`, error, place);
  }
  return { place, path };
}

// cgroup-v2.rst "Top-down Constraint": a child gets memory.max only where its parent lists "memory" in
// cgroup.subtree_control, and so on up to the root.
async function prepareV2Parent(fs: CgroupFs, place: CgroupPlace): Promise<void> {
  const controllers = await fs.readFile(posix.join(place.mountPoint, "cgroup.controllers")).catch(() => "");
  if (!controllers.split(/\s+/).includes("memory")) {
    throw new CgroupError(`the cgroup v2 hierarchy at ${place.mountPoint} has no memory controller (cgroup.controllers): enable it (a kernel with CONFIG_MEMCG, no cgroup_disable=memory) or leave memory_max out`);
  }
  await enableMemory(fs, place.mountPoint, place);
  await fs.mkdir(place.parent).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw cgroupError(`cannot create the cgroup ${place.parent}`, error, place);
  });
  await enableMemory(fs, place.parent, place);
}

async function enableMemory(fs: CgroupFs, group: string, place: CgroupPlace): Promise<void> {
  const file = posix.join(group, "cgroup.subtree_control");
  if ((await fs.readFile(file).catch(() => "")).split(/\s+/).includes("memory")) return;
  await fs.writeFile(file, "+memory").catch((error: unknown) => {
    throw cgroupError(`cannot enable the memory controller in ${file}`, error, place);
  });
}

function cgroupError(what: string, error: unknown, place: CgroupPlace): CgroupError {
  const reason = (error as Error).message;
  const fix = place.version === 2
    ? "run binpkgbot as root on a host whose cgroup v2 root offers the memory controller, or leave memory_max out"
    : `run binpkgbot as root, from a memory cgroup it may create groups in (${place.parent}), or leave memory_max out`;
  return new CgroupError(`${what}: ${reason}; ${fix}`, { cause: error });
}

/**
 * How many processes the OOM killer ended in the group. v2's memory.events counts the whole subtree
 * (cgroup-v2.rst); v1 counts each kill in the victim's own group only, so the subtree is summed.
 */
export async function readOomKills(fs: CgroupFs, group: MemoryCgroup): Promise<number> {
  if (group.place.version === 2) return parseOomKills(await fs.readFile(posix.join(group.path, "memory.events")));
  let kills = 0;
  for (const path of await subtree(fs, group.path)) kills += parseOomKills(await fs.readFile(posix.join(path, "memory.oom_control")).catch(() => ""));
  return kills;
}

/** The group and every group below it, deepest first. */
async function subtree(fs: CgroupFs, path: string): Promise<string[]> {
  const below: string[] = [];
  for (const child of await fs.readSubdirs(path).catch(() => [] as string[])) below.push(...(await subtree(fs, posix.join(path, child))));
  return [...below, path];
}

const REMOVE_WAIT_MS = 5_000;
const REMOVE_POLL_MS = 50;

/**
 * Removes the group and any groups nspawn made inside it. A process still in it (a container whose
 * nspawn was killed) is killed first: it belongs to the container the group was made for.
 */
export async function removeMemoryCgroup(fs: CgroupFs, group: MemoryCgroup): Promise<void> {
  for (const path of await subtree(fs, group.path)) {
    for (let waited = 0; ; waited += REMOVE_POLL_MS) {
      const removed = await fs.rmdir(path).then(() => true, (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return true;
        if (error.code !== "EBUSY" || waited >= REMOVE_WAIT_MS) throw cgroupError(`cannot remove the cgroup ${path}`, error, group.place);
        return false;
      });
      if (removed) break;
      await killMembers(fs, path);
      await fs.sleep(REMOVE_POLL_MS);
    }
  }
}

async function killMembers(fs: CgroupFs, path: string): Promise<void> {
  const procs = await fs.readFile(posix.join(path, "cgroup.procs")).catch(() => "");
  for (const pid of procs.split("\n").filter((line) => /^\d+$/.test(line)).map(Number)) {
    try {
      fs.kill(pid);
    } catch {
      // Gone already.
    }
  }
}
