// Portage's own lock on a PKGDIR's index, taken from Node. bintree.py `inject` rewrites Packages
// under `lockfile(self._pkgindex_file, wantnewlockfile=1)`: locks.py then opens
// `$PKGDIR/.Packages.portage_lockfile` (O_CREAT|O_RDWR, mode 0660) and takes `fcntl.lockf` on it,
// starting over when the previous holder unlinked the file meanwhile (`_lockfile_was_removed`);
// `unlockfile` unlocks and removes the file if nobody else took it. A POSIX record lock is not
// reachable from Node (and flock(2) does not exclude it), so a small python3 process, the language
// Portage runs on, holds it for us: it says "locked", and lets go when its stdin closes, which also
// happens if this process dies.
import path from "node:path";
import { failureDetail, startPipedChild } from "../../exec/piped-child.js";

export const PORTAGE_INDEX_LOCK = ".Packages.portage_lockfile";

const HOLDER = `
import fcntl, os, sys
path = sys.argv[1]
while True:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o660)
    fcntl.lockf(fd, fcntl.LOCK_EX)
    try:
        held, now = os.fstat(fd), os.stat(path)
        if held.st_nlink > 0 and (held.st_dev, held.st_ino) == (now.st_dev, now.st_ino):
            break
    except FileNotFoundError:
        pass
    os.close(fd)
sys.stdout.write("locked\\n")
sys.stdout.flush()
sys.stdin.buffer.read()
fcntl.lockf(fd, fcntl.LOCK_UN)
try:
    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    if os.fstat(fd).st_nlink == 1:
        os.unlink(path)
except OSError:
    pass
os.close(fd)
`;

/** The lock could not be taken; the message names the PKGDIR and the fix. */
export class PortageLockError extends Error {
  override readonly name = "PortageLockError";
}

/** Runs `work` while holding the lock Portage takes to change `pkgdir`'s index. */
export async function withPortageIndexLock<T>(pkgdir: string, work: () => Promise<T>, python = "python3"): Promise<T> {
  const file = path.join(pkgdir, PORTAGE_INDEX_LOCK);
  const holder = startPipedChild([python, "-c", HOLDER, file]);
  const exited = holder.done.then((result) => {
    throw new PortageLockError(`cannot take Portage's index lock ${file}: ${failureDetail(result)}; check that PKGDIR is writable and python3 is installed`);
  }, (error: unknown) => {
    throw new PortageLockError(`cannot take Portage's index lock ${file}: ${(error as Error).message}; install python3 (it holds the lock, as Node cannot take an fcntl lock)`, { cause: error });
  });
  const locked = new Promise<void>((resolve) => {
    let said = "";
    holder.stdout.setEncoding("utf8").on("data", (text: string) => {
      said += text;
      if (said.includes("locked\n")) resolve();
    });
  });
  await Promise.race([locked, exited]);
  exited.catch(() => undefined);
  try {
    return await work();
  } finally {
    holder.stdin.end();
    await holder.done.catch(() => undefined);
  }
}
