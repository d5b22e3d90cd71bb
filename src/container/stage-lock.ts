// One run per stage: a lock file holding the owner's PID and start time.
//
// The file is written under a temporary name and then hard-linked into place: link(2) fails
// with EEXIST atomically, and a reader never sees a half-written lock (an O_EXCL create would
// show an empty file until the write lands).
import { link, readFile, rename, unlink, writeFile } from "node:fs/promises";

export interface StageLockOwner {
  pid: number;
  /** ISO 8601 time the lock was taken. */
  since: string;
}

export interface StageLock {
  readonly path: string;
  readonly owner: StageLockOwner;
  /** Set when a lock left by a dead process was removed to take this one. */
  readonly staleLockRemoved: StageLockOwner | null;
  release(): Promise<void>;
}

export class StageLockedError extends Error {
  override readonly name = "StageLockedError";
  constructor(readonly lockPath: string, readonly owner: StageLockOwner) {
    super(
      `stage is locked by PID ${owner.pid} since ${owner.since} (lock ${lockPath}); ` +
        `wait for that run to finish, or stop it with: kill ${owner.pid}`,
    );
  }
}

export class StageLockError extends Error {
  override readonly name = "StageLockError";
  constructor(message: string, readonly lockPath: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface AcquireOptions {
  pid: number;
  now: Date;
  /** Defaults to kill(pid, 0): ESRCH means dead, EPERM means alive but not ours. */
  isProcessAlive?: (pid: number) => boolean;
}

export async function acquireStageLock(lockPath: string, options: AcquireOptions): Promise<StageLock> {
  const owner: StageLockOwner = { pid: options.pid, since: options.now.toISOString() };
  const text = renderLock(owner);
  const isAlive = options.isProcessAlive ?? isProcessAlive;
  if (await tryCreate(lockPath, text, owner)) return makeLock(lockPath, owner, text, null);
  const holder = await readOwner(lockPath);
  if (holder === null) return acquireStageLock(lockPath, options); // released meanwhile
  if (isAlive(holder.pid)) throw new StageLockedError(lockPath, holder);
  await removeStale(lockPath, holder, options.pid);
  if (await tryCreate(lockPath, text, owner)) return makeLock(lockPath, owner, text, holder);
  const winner = await readOwner(lockPath);
  throw new StageLockedError(lockPath, winner ?? holder);
}

export function renderLock(owner: StageLockOwner): string {
  return `pid=${owner.pid}\nsince=${owner.since}\n`;
}

export function parseLock(text: string): StageLockOwner | null {
  const pid = /^pid=(\d+)$/m.exec(text)?.[1];
  const since = /^since=(.+)$/m.exec(text)?.[1];
  return pid === undefined || since === undefined ? null : { pid: Number(pid), since };
}

function makeLock(path: string, owner: StageLockOwner, text: string, stale: StageLockOwner | null): StageLock {
  let released = false;
  return {
    path,
    owner,
    staleLockRemoved: stale,
    async release() {
      if (released) return;
      released = true;
      // Only remove the file if it is still ours: never another run's lock.
      const current = await readFile(path, "utf8").catch(() => null);
      if (current === text) await unlink(path).catch(() => undefined);
    },
  };
}

async function tryCreate(lockPath: string, text: string, owner: StageLockOwner): Promise<boolean> {
  const temporary = `${lockPath}.${owner.pid}.tmp`;
  try {
    await writeFile(temporary, text, { flag: "w", mode: 0o644 });
    await link(temporary, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new StageLockError(
      `cannot create stage lock ${lockPath}: ${(error as Error).message}; check that its directory exists and is writable`,
      lockPath,
      { cause: error },
    );
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

async function readOwner(lockPath: string): Promise<StageLockOwner | null> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new StageLockError(`cannot read stage lock ${lockPath}: ${(error as Error).message}`, lockPath, { cause: error });
  }
  const owner = parseLock(text);
  if (owner === null) {
    throw new StageLockError(
      `stage lock ${lockPath} is not a binpkgbot lock (expected pid= and since= lines); if no run is active, delete it: rm ${lockPath}`,
      lockPath,
    );
  }
  return owner;
}

// Two runs may find the same stale lock. Renaming it away is atomic, so only one of them
// moves it; if what was moved is not the stale lock (another run already replaced it),
// it is put back.
async function removeStale(lockPath: string, stale: StageLockOwner, pid: number): Promise<void> {
  const aside = `${lockPath}.stale.${pid}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new StageLockError(`cannot remove stale stage lock ${lockPath}: ${(error as Error).message}`, lockPath, { cause: error });
  }
  const moved = await readFile(aside, "utf8").catch(() => "");
  if (moved !== renderLock(stale)) await link(aside, lockPath).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
