// The state database: <stateDir>/state.db, one SQLite file that remembers every run.
//
// WAL journal mode lets `binpkgbot status` read while a run writes (https://www.sqlite.org/wal.html);
// busy_timeout makes a second writer wait instead of failing at once.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { attemptQueries, type AttemptQueries } from "./attempts.js";
import { binpkgQueries, type BinpkgQueries } from "./binpkgs.js";
import { dashboardQueries, type DashboardQueries } from "./dashboard-queries.js";
import { elogQueries, type ElogQueries } from "./elog-messages.js";
import { migrate, schemaVersion, SCHEMA_VERSION } from "./migrate.js";
import { quarantineQueries, type QuarantineQueries } from "./quarantine.js";
import { reportQueries, type ReportQueries } from "./reports.js";
import { runQueries, type RunQueries } from "./runs.js";
import { serverCoverageQueries, type ServerCoverageQueries } from "./server-coverage.js";
import { StateDatabaseError } from "./state-error.js";
import { taskQueries, type TaskQueries } from "./tasks.js";

export const STATE_DATABASE_NAME = "state.db";
const BUSY_TIMEOUT_MS = 10_000;

export interface StateDatabase extends RunQueries, TaskQueries, BinpkgQueries, ElogQueries, ReportQueries, AttemptQueries, QuarantineQueries,
  ServerCoverageQueries, DashboardQueries {
  readonly file: string;
  readonly schemaVersion: number;
  /** Runs `fn` in one IMMEDIATE transaction: all of its writes land, or none. */
  transaction<T>(fn: () => T): T;
  /** Changes when another connection commits (PRAGMA data_version): a reader's cache key. */
  dataVersion(): number;
  close(): void;
}

export function stateDatabaseFile(stateDir: string): string {
  return path.join(stateDir, STATE_DATABASE_NAME);
}

/**
 * Opens (creating if needed) and migrates the state database. Does not recover interrupted runs:
 * the run command does that with recoverInterrupted() once it holds the stage lock.
 */
export function openStateDatabase(stateDir: string): StateDatabase {
  const file = stateDatabaseFile(stateDir);
  const db = connect(file);
  try {
    const version = migrate(db, file);
    return assemble(db, file, version);
  } catch (error) {
    db.close();
    if (error instanceof StateDatabaseError) throw error;
    throw new StateDatabaseError(`cannot use the state database ${file}: ${(error as Error).message}`, file, { cause: error });
  }
}

function connect(file: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("journal_mode = WAL");
    // In WAL mode NORMAL loses at most the last transactions on power loss, never consistency.
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
    return db;
  } catch (error) {
    db?.close();
    throw new StateDatabaseError(
      `cannot open the state database ${file}: ${(error as Error).message}; check that state_dir is writable, or move a damaged file aside to start a new history`,
      file, { cause: error },
    );
  }
}

function assemble(db: Database.Database, file: string, version: number): StateDatabase {
  const elog = elogQueries(db);
  const binpkgs = binpkgQueries(db);
  const attempts = attemptQueries(db);
  return {
    file,
    schemaVersion: version,
    ...runQueries(db),
    ...taskQueries(db),
    ...attempts,
    ...quarantineQueries(db),
    ...serverCoverageQueries(db),
    ...binpkgs,
    ...elog,
    ...reportQueries(db, { elog, binpkgs, attempts }),
    ...dashboardQueries(db),
    transaction: (fn) => db.transaction(fn).immediate(),
    dataVersion: () => db.pragma("data_version", { simple: true }) as number,
    close: () => db.close(),
  };
}

/** For readers (status, history, log): null when no run was ever recorded, without creating anything. */
export function openExistingStateDatabase(stateDir: string): StateDatabase | null {
  return existsSync(stateDatabaseFile(stateDir)) ? openStateDatabase(stateDir) : null;
}

/**
 * For servers: one read-only connection that never creates, migrates or writes; null when there is
 * no database yet. A schema other than this binpkgbot's is refused (the next run migrates it).
 */
export function openStateDatabaseReadOnly(stateDir: string): StateDatabase | null {
  const file = stateDatabaseFile(stateDir);
  if (!existsSync(file)) return null;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const version = schemaVersion(db);
    if (version !== SCHEMA_VERSION) throw new Error(`schema version ${version}, not ${SCHEMA_VERSION}; the next run migrates it`);
    return assemble(db, file, version);
  } catch (error) {
    db?.close();
    throw new StateDatabaseError(`cannot read the state database ${file}: ${(error as Error).message}`, file, { cause: error });
  }
}
