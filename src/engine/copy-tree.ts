// Copies a directory that others may be using (etc_portage, a GnuPG home): directories, files with
// their modes and times, and symlinks as they are (make.profile is relative and must resolve inside
// the container, not here). An entry that vanishes while it is copied (GnuPG's lock files come and go)
// is left out. A few dozen small files: plain syscalls in parallel are much faster than fs.cp here.
import { copyFile, lstat, mkdir, readdir, readlink, symlink, utimes, constants } from "node:fs/promises";
import path from "node:path";

function vanished(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
  throw error;
}

export async function copyTree(from: string, to: string): Promise<void> {
  const info = await lstat(from);
  await mkdir(to, { mode: info.mode & 0o7777 });
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(entries.map(async (entry) => {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) return copyTree(source, target).catch(vanished);
    if (entry.isSymbolicLink()) return symlink(await readlink(source), target).catch(vanished);
    if (entry.isFile()) return copyFileWithTimes(source, target).catch(vanished);
    // Sockets, FIFOs and devices have no place in a copy: leave them out.
    return undefined;
  }));
  await utimes(to, info.atime, info.mtime);
}

async function copyFileWithTimes(source: string, target: string): Promise<void> {
  await copyFile(source, target, constants.COPYFILE_EXCL);
  const stat = await lstat(source);
  await utimes(target, stat.atime, stat.mtime);
}
