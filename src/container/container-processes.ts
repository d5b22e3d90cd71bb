// Reading /proc to tell whether a snapshot is in use: by a file lock, or as the root of a
// container's processes. proc(5) documents /proc/locks, /proc/PID/mountinfo and /proc/PID/stat.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

export interface SnapshotProcess {
  pid: number;
  ppid: number;
  comm: string;
}

/** Inode numbers of all files locked in any way (FLOCK, POSIX, OFDLCK), from /proc/locks. */
export function parseLockedInodes(procLocks: string): Set<number> {
  const inodes = new Set<number>();
  for (const line of procLocks.split("\n")) {
    // "1: OFDLCK ADVISORY  WRITE -1 00:27:263 0 EOF"; blocked waiters start with "->".
    const match = /\s([0-9a-f]+):([0-9a-f]+):(\d+)\s/.exec(line);
    if (match?.[3] !== undefined) inodes.add(Number(match[3]));
  }
  return inodes;
}

/** The root field (path inside its filesystem) of the mount a process sees at "/". */
export function parseRootMountSource(mountinfo: string): string | null {
  let root: string | null = null;
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    // Later mounts on "/" cover earlier ones, so the last one is what the process sees.
    if (fields[4] === "/" && fields[3] !== undefined) root = unescapeMountinfo(fields[3]);
  }
  return root;
}

/** "1234 (comm) S 1 …" → ppid and comm. comm may hold spaces and parentheses. */
export function parseStat(stat: string): { ppid: number; comm: string } | null {
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const ppid = Number(stat.slice(close + 2).split(" ")[1]);
  return Number.isInteger(ppid) ? { ppid, comm: stat.slice(open + 1, close) } : null;
}

/** Processes whose root directory is the subvolume named `snapshotName` (matched by basename). */
export async function findSnapshotProcesses(procDir: string, snapshotName: string): Promise<SnapshotProcess[]> {
  const found: SnapshotProcess[] = [];
  for (const entry of await readdir(procDir)) {
    if (!/^\d+$/.test(entry)) continue;
    const mountinfo = await readFile(join(procDir, entry, "mountinfo"), "utf8").catch(() => "");
    const root = parseRootMountSource(mountinfo);
    if (root === null || !(root === `/${snapshotName}` || root.endsWith(`/${snapshotName}`))) continue;
    const stat = parseStat(await readFile(join(procDir, entry, "stat"), "utf8").catch(() => ""));
    if (stat !== null) found.push({ pid: Number(entry), ...stat });
  }
  return found;
}

export async function readComm(procDir: string, pid: number): Promise<string | null> {
  const comm = await readFile(join(procDir, String(pid), "comm"), "utf8").catch(() => null);
  return comm === null ? null : comm.trim();
}

/** Alive and not a zombie (a zombie has already left its namespaces and mounts). */
export async function isRunning(procDir: string, pid: number): Promise<boolean> {
  const stat = await readFile(join(procDir, String(pid), "stat"), "utf8").catch(() => "");
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "" && state !== "Z" && state !== "X";
}

export async function isLockedFile(procDir: string, inode: number): Promise<boolean> {
  const locks = await readFile(join(procDir, "locks"), "utf8").catch(() => "");
  return parseLockedInodes(locks).has(inode);
}

// mountinfo escapes space, tab, newline and backslash as octal (\040 …).
export function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
