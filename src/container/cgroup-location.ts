// Pure: where binpkgbot may make a memory cgroup, from /proc/self/cgroup and /proc/self/mountinfo
// (proc(5); cgroups(7) "/proc/[pid]/cgroup"). No filesystem access here.
import { posix } from "node:path";
import { unescapeMountinfo } from "./container-processes.js";

/** Where the per-container groups go, and which interface files they have. */
export type CgroupPlace =
  | { version: 2; mountPoint: string; parent: string }
  | { version: 1; mountPoint: string; parent: string };

interface Mount {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/**
 * Every group binpkgbot makes: per container, named after its machine (which names the stage and the
 * step) and the PID of the run, so that a later run can tell a dead run's group (src/container/memory-cgroup-leftovers.ts).
 */
export const CGROUP_PREFIX = "binpkgbot-";

export function renderCgroupName(machine: string, pid: number): string {
  return `${machine}.pid-${pid}`;
}

/** The PID of the run that made a group, or null if binpkgbot did not name it. */
export function parseCgroupOwner(name: string): number | null {
  const match = /^binpkgbot-[A-Za-z0-9.-]*\.pid-(\d+)$/.exec(name);
  return name.startsWith(CGROUP_PREFIX) && match ? Number(match[1]) : null;
}

/**
 * cgroup v2: under "binpkgbot" at the root of the unified hierarchy. cgroup-v2.rst ("No Internal Process
 * Constraint") lets a group with processes in it (binpkgbot's own) give no controller to its children;
 * the root is exempt, so the root's child "binpkgbot" holds no process and passes "memory" on.
 */
export function findCgroupV2(mountinfo: string): CgroupPlace | null {
  const mount = parseMounts(mountinfo).find((entry) => entry.fsType === "cgroup2");
  return mount ? { version: 2, mountPoint: mount.mountPoint, parent: posix.join(mount.mountPoint, "binpkgbot") } : null;
}

/**
 * cgroup v1: inside the memory group binpkgbot itself runs in (v1 has no internal
 * process rule), so that the limits of whoever started binpkgbot still apply above it.
 */
export function findCgroupV1(procCgroup: string, mountinfo: string): CgroupPlace | null {
  const own = procCgroup.split("\n").map((line) => /^\d+:([^:]*):(.*)$/.exec(line))
    .find((match) => match?.[1]?.split(",").includes("memory"));
  const mount = parseMounts(mountinfo).find((entry) => entry.fsType === "cgroup" && entry.superOptions.includes("memory"));
  if (!own?.[2] || !mount) return null;
  // The mount shows the hierarchy from `root` down; the process's path is from the hierarchy's top.
  const relative = posix.relative(mount.root, own[2]);
  if (relative.startsWith("..")) return null;
  return { version: 1, mountPoint: mount.mountPoint, parent: posix.join(mount.mountPoint, relative) };
}

// "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue" (proc(5)).
function parseMounts(mountinfo: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    const fields = before?.split(" ") ?? [];
    const [fsType, , superOptions] = after?.split(" ") ?? [];
    if (fields[3] === undefined || fields[4] === undefined || fsType === undefined) continue;
    mounts.push({ root: unescapeMountinfo(fields[3]), mountPoint: unescapeMountinfo(fields[4]), fsType, superOptions: superOptions?.split(",") ?? [] });
  }
  return mounts;
}
