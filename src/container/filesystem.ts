// Which filesystem a path is on, and whether it is a btrfs subvolume.
import { stat, statfs } from "node:fs/promises";

// statfs(2) f_type values, from linux/magic.h.
const FILESYSTEM_MAGIC: ReadonlyMap<number, string> = new Map([
  [0x9123683e, "btrfs"],
  [0xef53, "ext2/ext3"],
  [0x01021994, "tmpfs"],
  [0x58465342, "xfs"],
  [0x794c7630, "overlayfs"],
  [0x2fc12fc1, "zfs"],
  [0x6969, "nfs"],
]);
const BTRFS_MAGIC = 0x9123683e;
// btrfs-subvolume(8): the root directory of every subvolume has inode number 256
// (BTRFS_FIRST_FREE_OBJECTID).
const SUBVOLUME_ROOT_INODE = 256;

export class FilesystemError extends Error {
  override readonly name = "FilesystemError";
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The filesystem's name ("btrfs", "tmpfs", …) or its statfs magic in hex when unknown. */
export async function readFilesystemType(path: string): Promise<string> {
  const magic = await readMagic(path);
  return FILESYSTEM_MAGIC.get(magic) ?? `0x${magic.toString(16)}`;
}

export async function isBtrfs(path: string): Promise<boolean> {
  return (await readMagic(path)) === BTRFS_MAGIC;
}

export async function isSubvolume(path: string): Promise<boolean> {
  if (!(await isBtrfs(path))) return false;
  try {
    const info = await stat(path);
    return info.isDirectory() && info.ino === SUBVOLUME_ROOT_INODE;
  } catch (error) {
    throw new FilesystemError(`cannot stat ${path}: ${(error as Error).message}`, path, { cause: error });
  }
}

async function readMagic(path: string): Promise<number> {
  try {
    return (await statfs(path)).type;
  } catch (error) {
    throw new FilesystemError(
      `cannot read the filesystem type of ${path}: ${(error as Error).message}; check that the path exists`,
      path,
      { cause: error },
    );
  }
}
