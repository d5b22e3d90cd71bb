// Small files that must survive a crash or a power loss whole or not at all: written under a temporary
// name, flushed, renamed into place, and the directory flushed (rename(2) is atomic; fsync makes it last).
import { randomBytes } from "node:crypto";
import { open, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** writeFileAtomic's temporary names: hidden, with the writer's pid and a random part (two writes at once never share one). */
export const TEMPORARY_NAME = /^\..*\.binpkgbot-\d+-[0-9a-f]{8}\.tmp$/;

export function temporaryName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.binpkgbot-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
}

/** The temporary name is hidden, so that a binhost never serves it and a PKGDIR scan never counts it. */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const temporary = temporaryName(file);
  try {
    const handle = await open(temporary, "w", 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(path.dirname(file));
}

/** Points `link` at `target`, replacing an existing symlink in one step: readers see the old or the new. */
export async function replaceSymlink(link: string, target: string): Promise<void> {
  const temporary = `${link}.binpkgbot-link`;
  await rm(temporary, { force: true });
  await symlink(target, temporary);
  await rename(temporary, link);
  await syncDirectory(path.dirname(link));
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true });
  await syncDirectory(path.dirname(file));
}
