// A directory tree standing in for /proc/self and the cgroup filesystems: absolute paths live under
// `root`. As in cgroupfs, a group's interface files go with it on rmdir, and a group with a process
// in cgroup.procs cannot be removed (EBUSY).
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CgroupFs } from "../../../src/container/memory-cgroup.js";

export interface CgroupTree extends CgroupFs {
  root: string;
  killed: number[];
  /** Writes a file (making its directory) at an absolute path inside the tree. */
  put(file: string, text: string): Promise<void>;
  read(file: string): Promise<string>;
  exists(file: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function createCgroupTree(): Promise<CgroupTree> {
  const root = await mkdtemp(path.join(tmpdir(), "cgroup-tree-"));
  const at = (file: string): string => path.join(root, file);
  const killed: number[] = [];
  const tree: CgroupTree = {
    root,
    killed,
    readFile: (file) => readFile(at(file), "utf8"),
    writeFile: (file, text) => writeFile(at(file), text),
    mkdir: (dir) => mkdir(at(dir)).then(() => undefined),
    rmdir: async (dir) => {
      const procs = await readFile(path.join(at(dir), "cgroup.procs"), "utf8").catch(() => "");
      if (procs.trim() !== "") throw Object.assign(new Error(`EBUSY: rmdir ${dir}`), { code: "EBUSY" });
      for (const entry of await readdir(at(dir), { withFileTypes: true })) {
        if (entry.isFile()) await rm(path.join(at(dir), entry.name));
      }
      await rmdir(at(dir));
    },
    readSubdirs: async (dir) => (await readdir(at(dir), { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name),
    kill: (pid) => {
      killed.push(pid);
    },
    sleep: async () => undefined,
    put: async (file, text) => {
      await mkdir(path.dirname(at(file)), { recursive: true });
      await writeFile(at(file), text);
    },
    read: (file) => readFile(at(file), "utf8"),
    exists: (file) => stat(at(file)).then(() => true, () => false),
    close: () => rm(root, { recursive: true, force: true }),
  };
  return tree;
}

/** This host's kind: cgroup v1 memory hierarchy, the process in a nested group, an empty cgroup2 beside it. */
export const V1_MOUNTINFO = [
  "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
  "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
].join("\n");
export const V1_PROC_CGROUP = "9:name=systemd:/\n4:memory:/build/runner\n1:cpu:/\n0::/\n";

/** A Gentoo host with OpenRC in unified mode: cgroup2 on /sys/fs/cgroup, binpkgbot in a service's group. */
export const V2_MOUNTINFO = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n";
export const V2_PROC_CGROUP = "0::/openrc.binpkgbot\n";
