// memory_max for one container: how this host applies it, and the group around a container where
// binpkgbot must make one itself (src/container/memory-cgroup.ts).
import { posix } from "node:path";
import { MIN_MEMORY_MAX } from "../config/memory-max.js";
import { findCgroupV1, findCgroupV2, renderCgroupName, type CgroupPlace } from "./cgroup-location.js";
import { CgroupError, createMemoryCgroup, nodeCgroupFs, readOomKills, removeMemoryCgroup, renderCgroupWrapper, type CgroupFs, type MemoryCgroup } from "./memory-cgroup.js";

export type MemoryLimitMethod =
  /** systemd-nspawn(1) --property=: a property of the scope unit nspawn registers the container in. */
  | { kind: "systemd-property" }
  | { kind: "cgroup"; place: CgroupPlace }
  | { kind: "unavailable"; reason: string };

export interface MemoryLimitDeps {
  fs: CgroupFs;
  /** The effective user id of binpkgbot. */
  uid: number;
  pid: number;
}

/** How memory_max is applied here; where PID 1 is systemd, nspawn registers a scope unit that takes it. */
export async function readMemoryLimitMethod(systemdPid1: boolean, deps: MemoryLimitDeps): Promise<MemoryLimitMethod> {
  if (systemdPid1) return { kind: "systemd-property" };
  if (deps.uid !== 0) {
    return { kind: "unavailable", reason: `binpkgbot runs as UID ${deps.uid} and only root may create cgroups: run it as root, or on a host where systemd is PID 1 (nspawn then sets MemoryMax= on the container's scope unit)` };
  }
  const mountinfo = await deps.fs.readFile("/proc/self/mountinfo").catch(() => "");
  const v2 = findCgroupV2(mountinfo);
  const v2Controllers = v2 ? await deps.fs.readFile(posix.join(v2.mountPoint, "cgroup.controllers")).catch(() => "") : "";
  if (v2 && v2Controllers.split(/\s+/).includes("memory")) return { kind: "cgroup", place: v2 };
  const v1 = findCgroupV1(await deps.fs.readFile("/proc/self/cgroup").catch(() => ""), mountinfo);
  if (v1 && (await deps.fs.readFile(posix.join(v1.parent, "memory.limit_in_bytes")).then(() => true, () => false))) return { kind: "cgroup", place: v1 };
  return {
    kind: "unavailable",
    reason: "no cgroup hierarchy with the memory controller is mounted (neither cgroup2 offering \"memory\" nor a cgroup v1 memory hierarchy in /proc/self/mountinfo): mount cgroup2 on /sys/fs/cgroup with the memory controller, or leave memory_max out",
  };
}

/**
 * Whether memory_max can be applied: a group is made and removed again, so that a run stops before its
 * first container instead of failing every one. Returns the problem, or null.
 */
export async function checkMemoryLimit(method: MemoryLimitMethod, deps: MemoryLimitDeps): Promise<string | null> {
  if (method.kind === "unavailable") return `memory_max cannot be applied on this host: ${method.reason}`;
  if (method.kind === "systemd-property") return null;
  try {
    const group = await createMemoryCgroup(deps.fs, method.place, renderCgroupName("binpkgbot-check", deps.pid), MIN_MEMORY_MAX);
    await removeMemoryCgroup(deps.fs, group);
    return null;
  } catch (error) {
    return `memory_max cannot be applied on this host: ${(error as Error).message}`;
  }
}

export interface ContainerMemoryLimit {
  group: MemoryCgroup;
  /** The container's command line, starting inside the group. */
  wrap(argv: readonly string[]): string[];
  readOomKills(): Promise<number>;
  remove(): Promise<void>;
}

/** The group of one container, or null where nothing is to be made (no limit, or systemd applies it). */
export async function openContainerMemoryLimit(
  spec: { machine: string; memoryMax?: number; register: boolean },
  deps: MemoryLimitDeps,
): Promise<ContainerMemoryLimit | null> {
  if (spec.memoryMax === undefined || spec.register) return null;
  const method = await readMemoryLimitMethod(false, deps);
  if (method.kind !== "cgroup") throw new CgroupError(`memory_max cannot be applied on this host: ${method.kind === "unavailable" ? method.reason : method.kind}`);
  const group = await createMemoryCgroup(deps.fs, method.place, renderCgroupName(spec.machine, deps.pid), spec.memoryMax);
  return {
    group,
    wrap: (argv) => renderCgroupWrapper(group.path, argv),
    readOomKills: () => readOomKills(deps.fs, group),
    remove: () => removeMemoryCgroup(deps.fs, group),
  };
}

/** The real host: /proc/self and /sys/fs/cgroup, binpkgbot's own user and PID. */
export function nodeMemoryLimitDeps(): MemoryLimitDeps {
  return { fs: nodeCgroupFs, uid: process.geteuid?.() ?? -1, pid: process.pid };
}
