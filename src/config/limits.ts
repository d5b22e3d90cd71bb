// What loading a config may cost at most. Config files and what include globs match may come from
// places their user does not fully control, and the daemon reloads them unattended, so every read,
// directory listing and include is bounded. The README's binpkgbot.yml section lists these.

/** One config file; larger files are refused (they are read up to one byte more, no further). The YAML
 * parser takes seconds per MiB of pathological input, and loading is synchronous: these bounds keep it short. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;
/** The config and all its includes together. */
export const MAX_CONFIG_TOTAL_BYTES = 2 * 1024 * 1024;
/** Includes in all; a file included twice counts twice. */
export const MAX_INCLUDES = 2_000;
/** Files in one include chain, the config itself counted. */
export const MAX_INCLUDE_DEPTH = 32;
/** Tasks in all. */
export const MAX_TASKS = 10_000;
// Segments with a wildcard in one include pattern: five of them, /*/*/*/*/*, would list the whole filesystem.
export const MAX_GLOB_WILDCARD_SEGMENTS = 4;
/** Paths one include pattern may reach, at any of its segments. */
export const MAX_GLOB_PATHS = 1_000;
/** Entries read from one directory while expanding a pattern. */
export const MAX_DIRECTORY_ENTRIES = 100_000;
/** Problems listed; the rest are counted ("and N more"). */
export const MAX_LISTED_ISSUES = 50;

export function formatLimitBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`;
}
