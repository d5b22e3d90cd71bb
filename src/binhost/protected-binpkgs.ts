// What prune must never remove: the binpkgs each configured task added in its newest successful
// run, as the state database recorded them. Read-only: a prune never writes the history.
import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { stateDatabaseFile } from "../state/database.js";

export type ProtectedBinpkg = { taskId: string; runId: number; path: string; cpv: string };

/** The state database exists but cannot be read. */
export class ProtectedBinpkgsError extends Error {
  override readonly name = "ProtectedBinpkgsError";
  constructor(message: string, readonly file: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

// The newest 'succeeded' result of each task (skipped ones added nothing and do not count),
// and the binpkgs recorded for it (state/binpkgs.ts).
const QUERY = `
  SELECT t.task_id AS taskId, t.run_id AS runId, b.path AS path, b.cpv AS cpv
  FROM binpkgs b JOIN task_results t ON t.id = b.task_result_id
  WHERE t.id IN (SELECT max(id) FROM task_results WHERE result = 'succeeded' GROUP BY task_id)
  ORDER BY t.task_id, b.id`;

/** [] when no run was ever recorded (no database yet). */
export function readProtectedBinpkgs(stateDir: string, taskIds: readonly string[]): ProtectedBinpkg[] {
  const file = stateDatabaseFile(stateDir);
  if (!existsSync(file)) return [];
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 10000");
    const wanted = new Set(taskIds);
    return db.prepare<[], ProtectedBinpkg>(QUERY).all().filter((row) => wanted.has(row.taskId));
  } catch (error) {
    throw new ProtectedBinpkgsError(
      `cannot read which binpkgs the tasks added from ${file}: ${(error as Error).message}; ` +
        "run binpkgbot status once (it upgrades an older database), or move a damaged file aside",
      file, { cause: error },
    );
  } finally {
    db?.close();
  }
}
