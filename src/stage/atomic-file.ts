// Small files that must survive a crash or a power loss whole or not at all: written under a temporary
// name, flushed, renamed into place, and the directory flushed (rename(2) is atomic; fsync makes it last).
import { open, rename, rm, symlink } from "node:fs/promises";
import path from "node:path";

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}`;
  const handle = await open(temporary, "w", 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, file);
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
