// binrepos.conf sections and their sync-uri (portage(5), "binrepos.conf"). Pure.
import type { TextFile } from "./facts.js";

export interface Binrepo {
  file: string;
  section: string;
  syncUri: string;
}

/** Every section with a sync-uri, in reading order; a later file's section of the same name wins. */
export function parseBinrepos(files: readonly TextFile[]): Binrepo[] {
  const byName = new Map<string, Binrepo>();
  for (const file of files) {
    let section: string | null = null;
    for (const raw of file.text.split("\n")) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
      const header = /^\[(.+)\]$/.exec(line);
      if (header?.[1] !== undefined) {
        section = header[1].trim();
        continue;
      }
      const entry = /^sync-uri\s*[=:]\s*(.*)$/.exec(line);
      if (entry?.[1] !== undefined && section !== null && section !== "DEFAULT") {
        byName.set(section, { file: file.path, section, syncUri: entry[1].trim() });
      }
    }
  }
  return [...byName.values()];
}

/** A binhost on another machine; file:// (and a bare path) is local. */
export function isRemoteUri(uri: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !/^file:\/\//i.test(uri);
}
