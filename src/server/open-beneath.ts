// Opens a file below PKGDIR with no window between checking a path and opening it. Containers
// write PKGDIR, so its content is hostile: a directory may be swapped for a symlink to elsewhere,
// a file for a FIFO, at any moment. Node has no openat2(RESOLVE_BENEATH), so the walk opens one
// component at a time through the magic link of the directory handle it holds,
// `/proc/self/fd/<dirfd>/<name>` (proc(5)): that link resolves to the directory the handle holds,
// wherever its path now points. Every open is O_NOFOLLOW (a symlink is read and resolved here,
// never by the kernel) and O_NONBLOCK (opening a FIFO returns at once instead of blocking a
// thread-pool thread); the final handle is fstat-ed and must be a regular file. (libuv adds
// O_CLOEXEC to every open.)
import { constants, type BigIntStats } from "node:fs";
import { open, readlink, realpath, type FileHandle } from "node:fs/promises";
import { isHiddenOrTemporary } from "./request-path.js";

export type Opened =
  | { kind: "opened"; handle: FileHandle; stats: BigIntStats; relPath: string }
  | { kind: "refused"; reason: string };

export interface OpenBeneathOptions {
  /** Symlinks followed in one walk (inside the directory only); 0 refuses every symlink. */
  maxLinks?: number;
}

const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const NOT_FOUND = new Set(["ENOENT", "ENOTDIR", "EACCES", "ENAMETOOLONG", "ENXIO", "ENODEV"]);

/** The directory every walk starts from: a handle, and its real path for absolute symlinks. */
export interface RootDirectory {
  handle: FileHandle;
  realPath: string;
}

/**
 * Opens `relPath` (`/`-separated, relative) below `root`. Symlinks are followed only while they
 * stay below the root and never onto a hidden or temporary name; the caller owns the handle.
 */
export async function openBeneath(root: RootDirectory, relPath: string, options: OpenBeneathOptions = {}): Promise<Opened> {
  const pending = relPath.split("/").reverse();
  const dirs: FileHandle[] = [];
  const names: string[] = [];
  let linksLeft = options.maxLinks ?? 8;
  try {
    while (pending.length > 0) {
      const name = pending.pop()!;
      if (name === "" || name === ".") continue;
      if (name === "..") {
        if (dirs.length === 0) return refused("resolves outside PKGDIR");
        await dirs.pop()!.close();
        names.pop();
        continue;
      }
      const last = pending.every((n) => n === "" || n === ".");
      const path = `/proc/self/fd/${(dirs.at(-1) ?? root.handle).fd}/${name}`;
      const handle = await open(path, FLAGS | (last ? 0 : constants.O_DIRECTORY)).catch((error: unknown) => error as NodeJS.ErrnoException);
      if (!(handle instanceof Error)) {
        names.push(name);
        if (!last) dirs.push(handle);
        else return await checkFinal(handle, names.join("/"));
        continue;
      }
      // O_NOFOLLOW fails a symlink with ELOOP, or ENOTDIR together with O_DIRECTORY.
      if (handle.code !== "ELOOP" && handle.code !== "ENOTDIR") return failure(handle);
      const target = await readlink(path).catch(() => undefined);
      if (target === undefined) return refused(handle.code === "ELOOP" ? "changed while opening" : "no such file");
      if (linksLeft-- <= 0) return refused(options.maxLinks === 0 ? "a symlink" : "too many symlinks");
      if (target.startsWith("/")) {
        if (!target.startsWith(`${root.realPath}/`)) return refused("resolves outside PKGDIR");
        for (const dir of dirs.splice(0)) await dir.close();
        names.length = 0;
      }
      pending.push(...relativePart(target, root.realPath).split("/").reverse());
    }
    return refused("not a regular file");
  } finally {
    for (const dir of dirs) await dir.close();
  }
}

function relativePart(target: string, rootPath: string): string {
  return target.startsWith("/") ? target.slice(rootPath.length + 1) : target;
}

async function checkFinal(handle: FileHandle, relPath: string): Promise<Opened> {
  let stats: BigIntStats | undefined;
  try {
    stats = await handle.stat({ bigint: true });
  } finally {
    if (!stats?.isFile() || isHiddenOrTemporary(relPath)) await handle.close();
  }
  if (!stats.isFile()) return refused("not a regular file");
  if (isHiddenOrTemporary(relPath)) return refused("resolves to a hidden or temporary file");
  return { kind: "opened", handle, stats, relPath };
}

function failure(error: NodeJS.ErrnoException): Opened {
  if (NOT_FOUND.has(error.code ?? "")) return refused("no such file");
  if (error.code === "EISDIR") return refused("not a regular file");
  throw error;
}

function refused(reason: string): Opened {
  return { kind: "refused", reason };
}

/** Opens the directory walks start from; held for the server's life, so a renamed PKGDIR is still served. */
export async function openRootDirectory(path: string): Promise<RootDirectory> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    return { handle, realPath: await realpath(`/proc/self/fd/${handle.fd}`) };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** PKGDIR's handle, opened at the first request (and again after a failure), closed with the server. */
export class PkgdirRoot {
  private root: Promise<RootDirectory> | undefined;

  constructor(private readonly path: string) {}

  async open(relPath: string, options: OpenBeneathOptions = {}): Promise<Opened> {
    this.root ??= openRootDirectory(this.path);
    let root: RootDirectory;
    try {
      root = await this.root;
    } catch (error) {
      this.root = undefined;
      if (NOT_FOUND.has((error as NodeJS.ErrnoException).code ?? "")) return refused("PKGDIR is missing");
      throw error;
    }
    return openBeneath(root, relPath, options);
  }

  async close(): Promise<void> {
    const root = await this.root?.catch(() => undefined);
    this.root = undefined;
    await root?.handle.close();
  }
}

/** A file outside PKGDIR that the operator named (the public key): still never a FIFO or a device. */
export async function openRegularFile(path: string): Promise<Opened> {
  const handle = await open(path, FLAGS & ~constants.O_NOFOLLOW).catch((error: unknown) => error as NodeJS.ErrnoException);
  if (handle instanceof Error) return failure(handle);
  return checkFinal(handle, "");
}
