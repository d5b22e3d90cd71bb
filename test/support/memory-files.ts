// Config files in memory, for pure loader tests.
import path from "node:path";
import type { ConfigFiles } from "../../src/config/load.js";
import { segmentMatcher } from "../../src/config/glob.js";

export function memoryFiles(files: Record<string, string>, links: Record<string, string> = {}): ConfigFiles {
  return {
    read(file) {
      const text = files[file];
      if (text === undefined) throw new Error("no such file");
      return text;
    },
    glob(pattern) {
      const segments = pattern.split("/");
      return Object.keys(files).filter((file) => {
        const parts = file.split("/");
        return parts.length === segments.length && segments.every((segment, i) => {
          const part = parts[i] ?? "";
          return segmentMatcher(segment).test(part) && (segment.startsWith(".") || !part.startsWith(".") || part === "");
        });
      });
    },
    realpath: (file) => links[file] ?? path.normalize(file),
  };
}
