// Which filesystem a path is on, and whether it is a btrfs subvolume.
import { readFile, stat, statfs } from "node:fs/promises";

// ext2, ext3 and ext4 share one statfs magic (linux/magic.h: EXT2/EXT3/EXT4_SUPER_MAGIC are all 0xEF53);
// the mount table names the driver that mounted it.
const EXT_MAGIC = 0xef53;
const EXT_TYPES: ReadonlySet<string> = new Set(["ext2", "ext3", "ext4"]);

// statfs(2) f_type values, from linux/magic.h.
const FILESYSTEM_MAGIC: ReadonlyMap<number, string> = new Map([
  [0x9123683e, "btrfs"],
  [EXT_MAGIC, "ext2/ext3/ext4"],
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

/** The filesystem's name ("btrfs", "ext4", "tmpfs", …) or its statfs magic in hex when unknown. */
export async function readFilesystemType(path: string): Promise<string> {
  const magic = await readMagic(path);
  const mountType = magic === EXT_MAGIC ? await readMountType(path).catch(() => null) : null;
  return filesystemName(magic, mountType);
}

/** The name for a statfs magic; `mountType` (from the mount table) tells ext2, ext3 and ext4 apart. */
export function filesystemName(magic: number, mountType: string | null): string {
  if (magic === EXT_MAGIC && mountType !== null && EXT_TYPES.has(mountType)) return mountType;
  return FILESYSTEM_MAGIC.get(magic) ?? `0x${magic.toString(16)}`;
}

/**
 * The filesystem type of the mount whose device is `major:minor`, from /proc/self/mountinfo text
 * (proc(5): field 3 is major:minor, the type follows the " - " separator); null when none is.
 */
export function parseMountType(mountinfo: string, major: number, minor: number): string | null {
  for (const line of mountinfo.split("\n")) {
    const [before, after] = line.split(" - ");
    if (before?.split(" ")[2] === `${major}:${minor}` && after) return after.split(" ")[0] ?? null;
  }
  return null;
}

async function readMountType(path: string): Promise<string | null> {
  // glibc's gnu_dev_major/gnu_dev_minor (sys/sysmacros.h), on the 64-bit st_dev.
  const dev = BigInt((await stat(path, { bigint: true })).dev);
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return parseMountType(await readFile("/proc/self/mountinfo", "utf8"), major, minor);
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
