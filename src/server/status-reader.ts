// What GET /status reads from the state database, through one read-only connection kept open: opening
// SQLite per request cost about 1.4 ms and blocked the event loop under load. The rows are kept until
// another connection commits (PRAGMA data_version, https://www.sqlite.org/pragma.html#pragma_data_version),
// so a request that changes nothing costs one stat and one pragma.
import { statSync } from "node:fs";
import { openStateDatabaseReadOnly, stateDatabaseFile, type StateDatabase } from "../state/database.js";
import type { RunRecord } from "../state/runs.js";
import type { TaskStatus } from "../state/reports.js";
import type { ServerCoverageRecord } from "../state/server-coverage.js";

export interface StatusRows {
  lastRun: RunRecord | null;
  tasks: TaskStatus[];
  /** Each server's latest coverage check. */
  servers: ServerCoverageRecord[];
}

export interface StatusReader {
  /** The rows of the database in `stateDir`; empty while there is none. Never creates or migrates it. */
  read(stateDir: string): StatusRows;
  /** The same read-only connection, for the dashboard's queries; null while there is no database. */
  database(stateDir: string): StateDatabase | null;
  close(): void;
}

interface Open {
  stateDir: string;
  /** The file's inode: a database moved aside and started anew is opened again. */
  inode: number;
  db: StateDatabase;
  version: number | null;
  rows: StatusRows;
}

const EMPTY: StatusRows = { lastRun: null, tasks: [], servers: [] };

export function createStatusReader(): StatusReader {
  let open: Open | null = null;
  const close = (): void => {
    open?.db.close();
    open = null;
  };
  const current = (stateDir: string): Open | null => {
    const inode = statSync(stateDatabaseFile(stateDir), { throwIfNoEntry: false })?.ino;
    if (open && (open.stateDir !== stateDir || open.inode !== inode)) close();
    if (inode === undefined) return null;
    open ??= connect(stateDir, inode);
    return open;
  };
  return {
    read(stateDir) {
      const db = current(stateDir);
      return db === null ? EMPTY : rowsOf(db);
    },
    database: (stateDir) => current(stateDir)?.db ?? null,
    close,
  };
}

function connect(stateDir: string, inode: number): Open | null {
  const db = openStateDatabaseReadOnly(stateDir);
  return db === null ? null : { stateDir, inode, db, version: null, rows: EMPTY };
}

function rowsOf(open: Open): StatusRows {
  const version = open.db.dataVersion();
  if (version !== open.version) {
    open.rows = { lastRun: open.db.lastRun(), tasks: open.db.taskStatus(), servers: open.db.serverCoverage() };
    open.version = version;
  }
  return open.rows;
}
