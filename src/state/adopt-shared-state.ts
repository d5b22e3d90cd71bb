// Before each config had a state directory of its own (src/config/default-state-dir.ts), every config
// without state_dir kept its state in /var/lib/binpkgbot itself. The first run of a config after that
// change moves the shared state into the config's own directory, so its history (and the fingerprints
// that let tasks be skipped) carries over; only when every run recorded there is of this config, so
// that the records of two configs are never handed to one.
import { existsSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import path from "node:path";
import Database from "better-sqlite3";
import { STATE_DATABASE_NAME } from "./database.js";

/** What binpkgbot keeps in a state directory: the database with its WAL files, logs, work files, memories. */
const STATE_ENTRIES = [STATE_DATABASE_NAME, `${STATE_DATABASE_NAME}-wal`, `${STATE_DATABASE_NAME}-shm`, "logs", "work", "daemon.json", "notify.json"];

export interface SharedState {
  /** The config file and its real path: runs recorded under either are this config's. */
  configFiles: readonly string[];
  /** The config's own state directory (defaultStateDir). */
  stateDir: string;
  /** Where the shared state was kept (STATE_ROOT). */
  sharedDir: string;
}

/** Moves the shared state into `stateDir` if it is this config's alone; returns what it did, or null if there was nothing to do. */
export async function adoptSharedState(shared: SharedState): Promise<string | null> {
  const from = path.join(shared.sharedDir, STATE_DATABASE_NAME);
  if (existsSync(path.join(shared.stateDir, STATE_DATABASE_NAME)) || !existsSync(from)) return null;
  const others = claimDatabase(from, shared);
  if (others.length > 0) {
    return `${from} holds runs of other configs too (${others.join(", ")}), so it was left alone and this config's history starts in ${shared.stateDir}; to keep one config's history there, set state_dir: ${shared.sharedDir} in that config`;
  }
  await mkdir(shared.stateDir, { recursive: true });
  for (const name of STATE_ENTRIES) {
    if (existsSync(path.join(shared.sharedDir, name))) await rename(path.join(shared.sharedDir, name), path.join(shared.stateDir, name));
  }
  return `moved this config's state from ${shared.sharedDir} to its own directory ${shared.stateDir} (each config now has its own)`;
}

/** The config files of the runs in `file` that are not this config; if there are none, its log paths are rewritten to the new place. */
function claimDatabase(file: string, shared: SharedState): string[] {
  const db = new Database(file);
  try {
    const configs = db.prepare<[], { config_file: string }>("SELECT DISTINCT config_file FROM runs").all().map((row) => row.config_file);
    const others = configs.filter((config) => !shared.configFiles.includes(config));
    if (others.length > 0) return others;
    const [oldLogs, newLogs] = [path.join(shared.sharedDir, "logs") + path.sep, path.join(shared.stateDir, "logs") + path.sep];
    db.prepare("UPDATE task_results SET log_path = ? || substr(log_path, ?) WHERE substr(log_path, 1, ?) = ?").run(newLogs, oldLogs.length + 1, oldLogs.length, oldLogs);
    return [];
  } finally {
    // Closing the last connection checkpoints the WAL into the file, so the move carries everything.
    db.close();
  }
}
