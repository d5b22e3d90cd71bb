// Fails a test that leaves a btrfs subvolume, a mount or a systemd-nspawn process behind.
import assert from "node:assert/strict";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { nodeExec, runChecked, type Exec } from "../../../src/exec/exec.js";

export interface SystemState {
  subvolumes: string[];
  mounts: string[];
  nspawnProcesses: string[];
}

export async function readSystemState(btrfsDir: string, exec: Exec = nodeExec): Promise<SystemState> {
  return {
    subvolumes: await readSubvolumes(btrfsDir, exec),
    mounts: await readMounts([btrfsDir, "/run/systemd/nspawn"]),
    nspawnProcesses: await readNspawnProcesses(btrfsDir),
  };
}

/**
 * Records the state now; the returned function asserts that nothing was added since.
 * Use as `t.after(await leakGuard(dir))`. Leftovers are reported, not cleaned up, so a
 * failing test can be inspected.
 */
export async function leakGuard(btrfsDir: string, exec: Exec = nodeExec): Promise<() => Promise<void>> {
  const before = await readSystemState(btrfsDir, exec);
  return async () => {
    const after = await readSystemState(btrfsDir, exec);
    assert.deepEqual(
      {
        // Generations of a stage, and the snapshot of a failed persisting task (kept until the next run), are
        // what persisting tasks are meant to leave (src/stage/transaction.ts); kept failed throw-away
        // containers what failed throw-away tasks leave (src/stage/kept-failed.ts), unlike a hidden one.
        subvolumes: added(before.subvolumes, after.subvolumes).filter((path) => !GENERATION.test(path) && !KEPT_FAILED.test(path)),
        mounts: added(before.mounts, after.mounts),
        nspawnProcesses: added(before.nspawnProcesses, after.nspawnProcesses),
      },
      { subvolumes: [], mounts: [], nspawnProcesses: [] },
      "the test leaked resources",
    );
  };
}

// A generation's read-only copy that the coordinator sends to workers from lives as long as the generation.
const GENERATION = /\.generations\/(\.transfer\/)?(gen-\d+|failed)$/;
const KEPT_FAILED = /\.failed\/[^./][^/]*$/;

function added(before: string[], after: string[]): string[] {
  const known = new Set(before);
  return after.filter((item) => !known.has(item));
}

async function readSubvolumes(btrfsDir: string, exec: Exec): Promise<string[]> {
  const result = await runChecked(exec, ["btrfs", "subvolume", "list", "-a", btrfsDir]);
  return result.stdout.split("\n").map((line) => / path (.+)$/.exec(line)?.[1]).filter((path): path is string => path !== undefined).sort();
}

async function readMounts(prefixes: string[]): Promise<string[]> {
  const mountinfo = await readFile("/proc/self/mountinfo", "utf8");
  return mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((point): point is string => point !== undefined && prefixes.some((prefix) => point.startsWith(prefix)))
    .sort();
}

// systemd-nspawn processes started on a directory under the fixture, and processes running in
// a container whose root is on the fixture's filesystem (nspawn puts container=systemd-nspawn
// into its payload's environment). Scoped so that other containers on the host do not count.
async function readNspawnProcesses(btrfsDir: string): Promise<string[]> {
  const device = deviceOf(await readFile("/proc/self/mountinfo", "utf8"), btrfsDir);
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const read = (name: string): Promise<string> => readFile(join("/proc", entry, name), "utf8").catch(() => "");
    const cmdline = (await read("cmdline")).replaceAll("\0", " ").trim();
    const isNspawn = (await read("comm")).trim() === "systemd-nspawn" && cmdline.includes(btrfsDir);
    const inContainer = (await read("environ")).split("\0").includes("container=systemd-nspawn") &&
      deviceOf(await read("mountinfo"), "/") === device;
    if (isNspawn || inContainer) found.push(`${entry} ${cmdline}`);
  }
  return found.sort();
}

/**
 * SIGKILLs every container process whose root is on the fixture's filesystem, so that a failed
 * test cannot keep the fixture busy. Only for teardown: the fixture is the tests' own.
 */
export async function killContainersOn(btrfsDir: string): Promise<number[]> {
  const pids = (await readNspawnProcesses(btrfsDir)).map((line) => Number(line.split(" ")[0]));
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids;
}

/** major:minor of the mount that holds `path` (the longest mount point that is a prefix). */
function deviceOf(mountinfo: string, path: string): string | null {
  let best: { point: string; device: string } | null = null;
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const point = fields[4];
    const device = fields[2];
    if (point === undefined || device === undefined) continue;
    const covers = point === "/" || path === point || path.startsWith(`${point}/`);
    if (covers && (best === null || point.length >= best.point.length)) best = { point, device };
  }
  return best?.device ?? null;
}
