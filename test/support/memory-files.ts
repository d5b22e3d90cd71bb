// Config files in memory, for pure loader tests.
import path from "node:path";
import type { ConfigFiles } from "../../src/config/load.js";
import { segmentMatcher } from "../../src/config/glob.js";

/** Files given as text are UTF-8; bytes are taken as they are. */
export function memoryFiles(files: Record<string, string | Uint8Array>, links: Record<string, string> = {}): ConfigFiles {
  return {
    read(file, maxBytes) {
      const content = files[file];
      if (content === undefined) throw new Error("no such file");
      return (typeof content === "string" ? Buffer.from(content) : content).subarray(0, maxBytes + 1);
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
