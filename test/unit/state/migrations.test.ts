import assert from "node:assert/strict";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openStateDatabase, stateDatabaseFile } from "../../../src/state/database.js";
import { MIGRATIONS, migrate, SCHEMA_VERSION } from "../../../src/state/migrate.js";
import { assertGolden, fixture } from "../../support/fixtures.js";
import { dumpSchema } from "./schema-dump.js";
import { at, taskStart, tempStateDir } from "./state-fixtures.js";

const GOLDEN = fixture("state-schema", "expected", "schema.sql");

/**
 * Rows written with the schema of each older version, and what must be true of them after migrating
 * to the newest. A new migration needs a seed for the version before it: the loop below fails without.
 */
const SEEDS: Record<number, { insert: (db: Database.Database) => void; check: (dir: string) => void }> = {
  1: {
    insert(db) {
      db.prepare("INSERT INTO runs VALUES (7, ?, ?, 'timer', '/etc/binpkgbot.yml', 'abc', 'failed')").run(at(0).getTime(), at(90).getTime());
      const task = db.prepare("INSERT INTO task_results (id, run_id, task_id, title, kind, result, exit_code, started_at, duration_ms, log_path, reason) VALUES (?, 7, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      task.run(1, "sync", "sync the repository", "sync", "succeeded", 0, at(0).getTime(), 30_000, "/s/logs/1/sync.log", null);
      task.run(2, "hello", "install app-misc/hello", "install", "failed", 1, at(30).getTime(), 60_000, "/s/logs/1/hello.log", "exit code 1");
      task.run(3, "tmux", "install app-misc/tmux", "install", "not-run", null, at(90).getTime(), 0, null, "stopped");
    },
    check(dir) {
      const state = openStateDatabase(dir);
      assert.deepEqual(state.lastRun(), {
        id: 7, startedAt: at(0), endedAt: at(90), trigger: "timer", configFile: "/etc/binpkgbot.yml", configHash: "abc", result: "failed",
      });
      assert.deepEqual(state.taskResults(7).map((task) => [task.id, task.taskId, task.kind, task.result, task.exitCode, task.reason, task.fingerprint]), [
        [1, "sync", "sync", "succeeded", 0, null, null],
        [2, "hello", "install", "failed", 1, "exit code 1", null],
        [3, "tmux", "install", "not-run", null, "stopped", null],
      ]);
      // What version 2 added works on the migrated rows.
      state.recordBinpkgs(2, [{ cpv: "app-misc/hello-1.0", path: "app-misc/hello/hello-1.0-1.gpkg.tar", use: [], slot: "0", eapi: "8", fields: {} }]);
      state.recordTask(taskStart(7, "screen", "fp"), { result: "skipped", exitCode: null, durationMs: 0, reason: "unchanged" });
      assert.equal(state.taskLog("hello")?.binpkgs.length, 1);
      state.close();
    },
  },
};

function openRaw(dir: string): Database.Database {
  return new Database(stateDatabaseFile(dir));
}

describe("migrations", () => {
  it("are numbered 1, 2, … in order", () => {
    assert.deepEqual(MIGRATIONS.map((migration) => migration.version), MIGRATIONS.map((_, index) => index + 1));
    assert.ok(SCHEMA_VERSION >= 2);
  });

  it("build the schema in the golden file from an empty database", () => {
    const dir = tempStateDir();
    openStateDatabase(dir).close();
    const db = openRaw(dir);
    assertGolden(GOLDEN, dumpSchema(db));
    db.close();
  });

  for (let version = 1; version < SCHEMA_VERSION; version++) {
    it(`bring a version ${version} database to version ${SCHEMA_VERSION} with its rows, and to the golden schema`, () => {
      const seed = SEEDS[version];
      assert.ok(seed, `add a seed for schema version ${version} to SEEDS`);
      const dir = tempStateDir();
      const old = openRaw(dir);
      assert.equal(migrate(old, "state.db", version), version);
      seed.insert(old);
      old.close();

      seed.check(dir);
      const db = openRaw(dir);
      assert.equal(db.pragma("user_version", { simple: true }), SCHEMA_VERSION);
      assertGolden(GOLDEN, dumpSchema(db));
      assert.deepEqual(db.pragma("foreign_key_check"), []);
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
      db.close();
    });
  }

  it("leave the database untouched when a migration fails", () => {
    const dir = tempStateDir();
    const db = openRaw(dir);
    migrate(db, "state.db", 1);
    // A table in the way of migration 2 makes it fail half-way.
    db.exec("CREATE TABLE binpkgs (x)");
    assert.throws(() => migrate(db, "state.db"), /cannot migrate state\.db to schema version 2 \(fingerprints-binpkgs-elog\): table binpkgs already exists/);
    assert.equal(db.pragma("user_version", { simple: true }), 1);
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'task_results%' AND type = 'table'").all(), [{ name: "task_results" }]);
    db.close();
  });
});
