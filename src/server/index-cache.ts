// Packages and Packages.gz, the files every client asks for on every emerge, kept in memory: read once
// per change, checked against the disk at most once a second. A client may see a new index up to a
// second late, which Portage's own If-Modified-Since polling never notices.
import { constants, type Stats } from "node:fs";
import { lstat, open } from "node:fs/promises";

export interface CachedIndex {
  stats: Stats;
  body: Buffer;
}

interface Entry extends CachedIndex {
  checkedAt: number;
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

export class IndexCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<CachedIndex | null>>();

  constructor(private readonly maxAgeMs = 1_000, private readonly clock: () => number = () => performance.now()) {}

  /** The index at `path`, or null when there is none (or it is not a regular file: never a symlink). */
  get(path: string): Promise<CachedIndex | null> {
    const entry = this.entries.get(path);
    if (entry && this.clock() - entry.checkedAt < this.maxAgeMs) return Promise.resolve(entry);
    let pending = this.loading.get(path);
    if (!pending) {
      pending = this.refresh(path, entry).finally(() => this.loading.delete(path));
      this.loading.set(path, pending);
    }
    return pending;
  }

  private async refresh(path: string, entry: Entry | undefined): Promise<CachedIndex | null> {
    const stats = await lstat(path).catch(() => null);
    if (!stats?.isFile()) {
      this.entries.delete(path);
      return null;
    }
    if (entry && sameFile(entry.stats, stats)) {
      entry.checkedAt = this.clock();
      return entry;
    }
    // Portage replaces the index by rename: the open file and its fstat describe one version, whole.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
    if (!handle) return null;
    try {
      const fresh = { stats: await handle.stat(), body: await handle.readFile(), checkedAt: this.clock() };
      this.entries.set(path, fresh);
      return fresh;
    } finally {
      await handle.close();
    }
  }
}
