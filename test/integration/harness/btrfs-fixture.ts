// A mounted btrfs filesystem for integration tests: the one named by BINPKGBOT_TEST_BTRFS, or a
// sparse loop image created here and removed in teardown.
import { access, constants, lstat, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { nodeExec, runChecked, type Exec } from "../../../src/exec/exec.js";
import { isBtrfs, isSubvolume } from "../../../src/container/filesystem.js";
import { deleteSubvolume } from "../../../src/container/btrfs.js";
import { killContainersOn } from "./leak-guard.js";

export interface BtrfsFixture {
  /** A fresh directory on btrfs, private to this fixture. */
  dir: string;
  teardown(): Promise<void>;
}

const TOOLS = ["systemd-nspawn", "btrfs", "mkfs.btrfs", "mount", "umount", "nsenter", "busybox", "bash-static"];

/** Why integration tests cannot run here, or null when they can. */
export async function integrationBlocker(): Promise<string | null> {
  if (process.getuid?.() !== 0) return "integration tests need root (systemd-nspawn, mount, btrfs)";
  const path = (process.env.PATH ?? "").split(":");
  for (const tool of TOOLS) {
    const found = await Promise.any(path.map((dir) => access(join(dir, tool), constants.X_OK))).then(() => true, () => false);
    if (!found) return `integration tests need ${tool} on PATH`;
  }
  return null;
}

/**
 * Skips the test when integration tests cannot run here; with BINPKGBOT_REQUIRE_INTEGRATION=1
 * (CI on a capable machine) that is a failure instead, so a broken setup cannot pass as skipped.
 */
export async function requireIntegration(t: TestContext): Promise<boolean> {
  const blocker = await integrationBlocker();
  if (blocker === null) return true;
  if (process.env.BINPKGBOT_REQUIRE_INTEGRATION === "1") {
    throw new Error(`${blocker} (BINPKGBOT_REQUIRE_INTEGRATION=1 forbids skipping)`);
  }
  t.skip(blocker);
  return false;
}

export async function createBtrfsFixture(exec: Exec = nodeExec): Promise<BtrfsFixture> {
  const given = process.env.BINPKGBOT_TEST_BTRFS;
  if (given !== undefined && given !== "") return useGivenBtrfs(exec, given);
  const root = await mkdtemp(join(tmpdir(), "binpkgbot-btrfs-"));
  const image = join(root, "image");
  const mountPoint = join(root, "mnt");
  await mkdir(mountPoint);
  try {
    await runChecked(exec, ["truncate", "-s", "2G", image]);
    await runChecked(exec, ["mkfs.btrfs", "-q", image]);
    await runChecked(exec, ["mount", "-o", "loop", image, mountPoint]);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return {
    dir: mountPoint,
    async teardown() {
      // A failed test may have left a container running on the image; it would keep it busy.
      if ((await killContainersOn(mountPoint)).length > 0) await new Promise((resolve) => setTimeout(resolve, 500));
      // umount -d also detaches the loop device that mount -o loop set up.
      await runChecked(exec, ["umount", "-d", mountPoint]);
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function useGivenBtrfs(exec: Exec, given: string): Promise<BtrfsFixture> {
  if (!(await isBtrfs(given))) {
    throw new Error(`BINPKGBOT_TEST_BTRFS=${given} is not on btrfs: mount a btrfs filesystem there or unset it`);
  }
  const dir = await mkdtemp(join(given, "binpkgbot-test-"));
  return {
    dir,
    async teardown() {
      await deleteSubvolumesUnder(exec, dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Deletes every subvolume below `dir`: a stage and its generations, and the read-only
 * snapshots a run keeps of failed steps in `<stage>.failed/` (which `rm` cannot remove: EROFS).
 */
async function deleteSubvolumesUnder(exec: Exec, dir: string): Promise<void> {
  for (const entry of await readdir(dir)) {
    const path = join(dir, entry);
    // A stage may be a symlink to a generation (deleted already by its test): never follow it.
    if (!(await lstat(path)).isDirectory()) continue;
    // deleteSubvolume removes the subvolumes nested in it first.
    if (await isSubvolume(path)) await deleteSubvolume(exec, path);
    else await deleteSubvolumesUnder(exec, path);
  }
}
