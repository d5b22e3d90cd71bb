// systemd-nspawn creates a missing bind target inside the container's tree as an empty directory. In a
// throw-away snapshot that vanishes; in a persisting container it would stay in the stage for good. So
// the chains it will create are noted before the container starts and removed, if still empty, after.
import { lstat, rmdir } from "node:fs/promises";
import path from "node:path";

/** For each target, the directories below `root` that do not exist yet, deepest first. */
export async function findMissingMountPoints(root: string, targets: readonly string[]): Promise<string[][]> {
  const chains: string[][] = [];
  for (const target of targets) {
    const chain: string[] = [];
    for (let dir = path.posix.normalize(target); dir !== "/"; dir = path.posix.dirname(dir)) {
      if (await lstat(path.join(root, dir)).then(() => true, () => false)) break;
      chain.push(path.join(root, dir));
    }
    if (chain.length > 0) chains.push(chain);
  }
  return chains;
}

/** Removes what is left of each chain, deepest first; a directory something was put in stays. */
export async function removeMountPoints(chains: readonly string[][]): Promise<void> {
  for (const chain of chains) {
    for (const dir of chain) {
      const removed = await rmdir(dir).then(() => true, (error: NodeJS.ErrnoException) => error.code === "ENOENT");
      if (!removed) break;
    }
  }
}
