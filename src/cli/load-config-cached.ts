// The config for `run`: from the config cache (src/io/config-cache.ts) where nothing it was made from
// changed, so that a short run does not load the YAML parser and the schema; on a miss, and for an
// invalid config, exactly what loadConfigOrFail does.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatIssue } from "../config/issues.js";
import { cacheDir } from "../io/cache-dir.js";
import { loadConfigCached, readCodeIdentity } from "../io/config-cache.js";
import { diskConfigFiles } from "../io/config-files.js";
import type { LoadedConfig } from "./load-config.js";

// The config loader's own directory. tsc writes every output file on each build, so a rebuild changes
// the modification time of each of these whatever else changed; statting the files of every directory
// the loader imports from as well cost about as much again as the cache saves on a busy host.
const LOADER_DIR = "config";

export async function loadConfigCachedOrFail(file: string, env: NodeJS.ProcessEnv): Promise<LoadedConfig> {
  const result = await loadConfigCached(file, diskConfigFiles, {
    dir: cacheDir(env), code: loaderIdentity(), load: async () => (await import("../config/load.js")).loadConfig,
  });
  if (!result.ok) return (await import("./load-config.js")).failOnIssues(result);
  return { config: result.config, warnings: result.warnings.map(formatIssue) };
}


function loaderIdentity(): string {
  const packages = [fileURLToPath(new URL("../../../package.json", import.meta.url)), dependencyPackageJson("yaml"), dependencyPackageJson("croner")];
  return readCodeIdentity([fileURLToPath(new URL(`../${LOADER_DIR}/`, import.meta.url))], packages);
}

/** Where npm puts a dependency of binpkgbot, or, in another layout, where Node resolves it (that costs milliseconds). */
function dependencyPackageJson(name: string): string {
  const nested = fileURLToPath(new URL(`../../../node_modules/${name}/package.json`, import.meta.url));
  return existsSync(nested) ? nested : fileURLToPath(import.meta.resolve(`${name}/package.json`));
}
