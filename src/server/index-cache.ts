// Packages and Packages.gz, the files every client asks for on every emerge, kept in memory: read once
// per change, checked against the disk at most once a second. A client may see a new index up to a
// second late, which Portage's own If-Modified-Since polling never notices.
// The ETag is a hash of the content, so it changes whenever the bytes do, even when a rewrite in
// place keeps the inode, the size and Portage's whole-second mtime (TIMESTAMP).
import { createHash } from "node:crypto";
import { versionFromStats, type FileFacts } from "./http-conditional.js";
import type { Opened } from "./open-beneath.js";

export interface CachedIndex {
  facts: FileFacts;
  body: Buffer;
}

interface Entry extends CachedIndex {
  statsVersion: string;
  /** Read so soon after its last change that a change within the same timestamp tick could hide. */
  racy: boolean;
  checkedAt: number;
}

/** Opens an index below PKGDIR without following symlinks (see open-beneath.ts). */
export type OpenIndex = (relPath: string) => Promise<Opened>;

// Change times come from a coarse clock (a timer tick, up to 10 ms, later on some filesystems):
// an index read within this long of its change time is read again at its next check, as git
// does for "racily clean" entries (Documentation/technical/racy-git.txt).
const RACY_NS = 1_000_000_000n;

export class IndexCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<CachedIndex | null>>();

  constructor(
    private readonly openIndex: OpenIndex,
    private readonly maxAgeMs = 1_000,
    private readonly clock: () => number = () => performance.now(),
    private readonly wallClockNs: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
  ) {}

  /** The index at `relPath`, or null when there is none (or it is not a regular file: never a symlink). */
  get(relPath: string): Promise<CachedIndex | null> {
    const entry = this.entries.get(relPath);
    if (entry && this.clock() - entry.checkedAt < this.maxAgeMs) return Promise.resolve(entry);
    let pending = this.loading.get(relPath);
    if (!pending) {
      pending = this.refresh(relPath, entry).finally(() => this.loading.delete(relPath));
      this.loading.set(relPath, pending);
    }
    return pending;
  }

  private async refresh(relPath: string, entry: Entry | undefined): Promise<CachedIndex | null> {
    const opened = await this.openIndex(relPath);
    if (opened.kind === "refused") {
      this.entries.delete(relPath);
      return null;
    }
    try {
      const statsVersion = versionFromStats(opened.stats);
      if (entry && !entry.racy && entry.statsVersion === statsVersion) {
        entry.checkedAt = this.clock();
        return entry;
      }
      // The open handle is one version of the file, whole, even if Portage renames a new one in.
      const body = await opened.handle.readFile();
      const version = createHash("sha256").update(body).digest("base64url").slice(0, 27);
      const fresh: Entry = {
        facts: { size: body.length, mtimeMs: Number(opened.stats.mtimeNs / 1_000_000n), version },
        body,
        statsVersion,
        racy: this.wallClockNs() - opened.stats.ctimeNs < RACY_NS,
        checkedAt: this.clock(),
      };
      this.entries.set(relPath, fresh);
      return fresh;
    } finally {
      await opened.handle.close();
    }
  }
}
