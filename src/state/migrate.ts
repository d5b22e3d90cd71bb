// Numbered migrations, applied forward in one transaction. The schema version lives in
// PRAGMA user_version (https://www.sqlite.org/pragma.html#pragma_user_version).
import type Database from "better-sqlite3";
import * as m0001 from "./migrations/0001-initial.js";
import * as m0002 from "./migrations/0002-fingerprints-binpkgs-elog.js";
import * as m0003 from "./migrations/0003-failures-attempts.js";
import * as m0004 from "./migrations/0004-server-tasks.js";
import * as m0005 from "./migrations/0005-server-coverage.js";
import { StateDatabaseError } from "./state-error.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** In order; migration N brings the schema from version N-1 to N. Never edit one that has shipped: add the next. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, ...m0001 },
  { version: 2, ...m0002 },
  { version: 3, ...m0003 },
  { version: 4, ...m0004 },
  { version: 5, ...m0005 },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

/**
 * Brings the database to `target` (default: the newest schema). Reads the version again inside an
 * IMMEDIATE transaction, so two processes opening at once migrate once.
 */
export function migrate(db: Database.Database, file: string, target = SCHEMA_VERSION): number {
  const before = schemaVersion(db);
  refuseNewer(before, file);
  if (before >= target) return before;
  const apply = db.transaction(() => {
    const current = schemaVersion(db);
    refuseNewer(current, file);
    for (const migration of MIGRATIONS.slice(current, target)) {
      try {
        db.exec(migration.sql);
      } catch (error) {
        throw new StateDatabaseError(
          `cannot migrate ${file} to schema version ${migration.version} (${migration.name}): ${(error as Error).message}; nothing was changed, restore a backup or move the file aside to start a new history`,
          file, { cause: error },
        );
      }
      db.pragma(`user_version = ${migration.version}`);
    }
    const broken = db.pragma("foreign_key_check") as unknown[];
    if (broken.length > 0) throw new StateDatabaseError(`cannot migrate ${file}: ${broken.length} rows would reference missing rows; nothing was changed, restore a backup or move the file aside to start a new history`, file);
  });
  // lang_altertable.html: with foreign keys on, dropping a rebuilt table would cascade into the rows
  // that reference it. The pragma is a no-op inside a transaction, so it is set around it.
  const foreignKeys = db.pragma("foreign_keys", { simple: true }) as number;
  db.pragma("foreign_keys = OFF");
  try {
    apply.immediate();
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys}`);
  }
  return schemaVersion(db);
}

function refuseNewer(version: number, file: string): void {
  if (version > SCHEMA_VERSION) {
    throw new StateDatabaseError(
      `${file} has schema version ${version}, written by a newer binpkgbot; this one knows versions up to ${SCHEMA_VERSION}: upgrade binpkgbot, or set a different state_dir`,
      file,
    );
  }
}
