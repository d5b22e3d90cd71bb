// Where binpkgbot keeps what it can make again (FHS /var/cache): the validated configs (src/io/config-cache.ts)
// and, on Node 22.1 and later, V8's compiled code of its modules (src/cli/main.ts). BINPKGBOT_CACHE_DIR says
// elsewhere; empty: no cache at all.

/** The cache's directory when BINPKGBOT_CACHE_DIR does not say. */
export const DEFAULT_CACHE_DIR = "/var/cache/binpkgbot/config";

/** The compiled code's directory inside it. */
export const COMPILED_DIR = "compiled";

/** BINPKGBOT_CACHE_DIR: the cache's directory; empty: no cache. */
export function cacheDir(env: NodeJS.ProcessEnv): string | null {
  const given = env.BINPKGBOT_CACHE_DIR;
  if (given === undefined) return DEFAULT_CACHE_DIR;
  return given === "" ? null : given;
}
