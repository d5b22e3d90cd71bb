// Where a config keeps its state when it sets no state_dir. Two configs on one host (say an amd64
// desktop stage and a server stage) must never share a database, logs or daemon memory, so each
// config file gets a directory of its own, named after the file and a hash of its real path.
import path from "node:path";
import { hashText } from "./tasks.js";

/** The parent of every default state directory; older versions kept one shared state here. */
export const STATE_ROOT = "/var/lib/binpkgbot";

/**
 * `/var/lib/binpkgbot/NAME-HASH` for the config file at `realConfigPath` (symlinks resolved, so that
 * two ways to name one file share one history): NAME is the file name without .yml/.yaml.
 */
export function defaultStateDir(realConfigPath: string): string {
  const name = path.basename(realConfigPath).replace(/\.ya?ml$/i, "").replace(/[^A-Za-z0-9._-]+/g, "_") || "config";
  return path.join(STATE_ROOT, `${name}-${hashText(realConfigPath, 8)}`);
}
