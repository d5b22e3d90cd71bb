// The disk behind config loading: reads files and expands include globs segment by segment.
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import type { ConfigFiles } from "../config/load.js";
import { hasGlobMagic, matchSegment } from "../config/glob.js";

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

export function expandGlob(pattern: string): string[] {
  const segments = pattern.split("/").filter((segment, index) => segment !== "" || index === 0);
  let prefixes = [segments[0] === "" ? "/" : segments[0] ?? "/"];
  for (const segment of segments.slice(1)) {
    const next: string[] = [];
    for (const prefix of prefixes) {
      if (!hasGlobMagic(segment)) next.push(path.join(prefix, segment));
      else for (const name of matchSegment(segment, listDirectory(prefix))) next.push(path.join(prefix, name));
    }
    prefixes = next;
  }
  return prefixes.filter(isFile);
}

export const diskConfigFiles: ConfigFiles = {
  read: (file) => {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : (error as Error).message, { cause: error });
    }
  },
  glob: expandGlob,
  realpath: (file) => realpathSync(file),
};
