// Tells the binhost when what it read from the releases directory may be out of date, without a system
// call per request: a readlink(2) and a stat(2) cost as much as a tenth of answering a cached Packages
// (bench/serve-release.ts). inotify (fs.watch, inotify(7)) bumps a version on every change of an entry
// in the directory; an answer is also read again once it is a second old, since inotify can drop events
// when its queue overflows (IN_Q_OVERFLOW).

import { watch, type FSWatcher } from "node:fs";

/** How long an answer is trusted without a change seen: as long as the index cache trusts Packages. */
const MAX_AGE_MS = 1_000;

export interface Stamp {
  version: number;
  at: number;
}

export class DirectoryWatch {
  private version = 0;
  private watcher: FSWatcher | undefined;

  constructor(private readonly dir: string, private readonly clock: () => number = () => performance.now()) {}

  /** Taken when an answer is read; the answer holds while `fresh(stamp)`. */
  stamp(): Stamp {
    this.ensureWatching();
    return { version: this.version, at: this.clock() };
  }

  /** Whether nothing in the directory changed since the stamp and it is younger than a second. */
  fresh(stamp: Stamp): boolean {
    return this.watcher !== undefined && stamp.version === this.version && this.clock() - stamp.at < MAX_AGE_MS;
  }

  /**
   * `read`, answered from memory while fresh, then without a promise: even an await costs a visible
   * share of a cached Packages. The stamp is taken before reading, so that a change during the read
   * makes the answer stale at once.
   */
  cached<T>(read: () => Promise<T>): () => T | Promise<T> {
    let memo: { value: T; stamp: Stamp } | undefined;
    return () => {
      if (memo && this.fresh(memo.stamp)) return memo.value;
      const stamp = this.stamp();
      return read().then((value) => {
        memo = { value, stamp };
        return value;
      });
    };
  }

  /** While the directory cannot be watched (it does not exist yet), nothing is fresh. */
  private ensureWatching(): void {
    if (this.watcher) return;
    try {
      const watcher = watch(this.dir, { persistent: false }, () => void this.version++);
      watcher.on("error", () => {
        watcher.close();
        this.watcher = undefined;
        this.version++;
      });
      this.watcher = watcher;
      this.version++;
    } catch {
      this.watcher = undefined;
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}
