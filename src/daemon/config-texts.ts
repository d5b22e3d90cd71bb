// Loads the config from disk and keeps the text of every file it read, so that the daemon's change
// key is over the config in use, not over an edit that did not load.
import type { Config } from "../config/config.js";
import { loadConfig, type LoadResult } from "../config/load.js";
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
      const result = loadConfig(configFile, {
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
