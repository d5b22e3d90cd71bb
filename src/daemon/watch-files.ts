// Notices edits of the config and its includes by polling each file's inode, size and mtime: robust
// over editors that write a new file and rename it over the old one (fs.watch follows the old inode),
// and over files that do not exist for a moment.
import { stat } from "node:fs/promises";

export interface WatchOptions {
  /** The files to watch, asked at each poll (a reload can add or drop includes). */
  files(): readonly string[];
  /** Called once the files have stopped changing for `debounceMs`, with those that changed. */
  onChange(changed: string[]): void;
  intervalMs: number;
  debounceMs: number;
}

export interface FileWatcher {
  stop(): void;
}

async function signatureOf(file: string): Promise<string> {
  const info = await stat(file).catch(() => null);
  return info === null ? "missing" : `${info.ino}:${info.size}:${info.mtimeMs}`;
}

export function watchFiles(options: WatchOptions): FileWatcher {
  const known = new Map<string, string>();
  let stopped = false;
  let poll: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  const pending = new Set<string>();
  const check = async (): Promise<void> => {
    let changed = false;
    const files = options.files();
    for (const file of files) {
      const signature = await signatureOf(file);
      // A file new to the list is recorded, not reported: it came with the reload that added it.
      if (known.has(file) && known.get(file) !== signature) {
        changed = true;
        pending.add(file);
      }
      known.set(file, signature);
    }
    for (const file of [...known.keys()]) if (!files.includes(file)) known.delete(file);
    if (changed && !stopped) {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        const files = [...pending];
        pending.clear();
        options.onChange(files);
      }, options.debounceMs);
    }
  };
  const loop = (): void => {
    if (stopped) return;
    poll = setTimeout(() => void check().finally(loop), options.intervalMs);
  };
  void check().finally(loop);
  return {
    stop() {
      stopped = true;
      clearTimeout(poll);
      clearTimeout(debounce);
    },
  };
}
