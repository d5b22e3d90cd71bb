// Loads the config from disk and keeps the text of every file it read, so that the daemon's change
// key is over the config in use, not over an edit that did not load.
import type { Config } from "../config/config.js";
import { loadConfig, type ConfigFiles, type LoadResult } from "../config/load.js";
import { diskConfigFiles } from "../io/config-files.js";
import type { ConfigText } from "./change-key.js";

export interface ConfigLoader {
  load(): LoadResult;
  /** The texts a config returned by load() was made from. */
  textsOf(config: Config): readonly ConfigText[];
}

export function createConfigLoader(configFile: string): ConfigLoader {
  const texts = new WeakMap<Config, ConfigText[]>();
  return {
    load() {
      const read: ConfigText[] = [];
      const result = loadOrExplain(configFile, {
        ...diskConfigFiles,
        read(file, maxBytes) {
          const bytes = diskConfigFiles.read(file, maxBytes);
          read.push({ file, text: Buffer.from(bytes).toString("utf8") });
          return bytes;
        },
      });
      if (result.ok) texts.set(result.config, read);
      return result;
    },
    textsOf: (config) => texts.get(config) ?? [],
  };
}

/** A reload must never end the daemon: whatever loading throws is a problem of the config, reported as one. */
function loadOrExplain(configFile: string, files: ConfigFiles): LoadResult {
  try {
    return loadConfig(configFile, files);
  } catch (error) {
    const message = `the config could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
    return { ok: false, issues: [{ file: configFile, path: [], line: 1, column: 1, message, hint: "check the file and its includes" }], total: 1 };
  }
}
