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
  2: {
    insert(db) {
      db.prepare("INSERT INTO runs VALUES (3, ?, ?, 'daemon', '/etc/binpkgbot.yml', 'def', 'failed')").run(at(0).getTime(), at(60).getTime());
      db.prepare("INSERT INTO task_results (id, run_id, task_id, title, kind, fingerprint, result, exit_code, started_at, duration_ms, log_path, reason) VALUES (4, 3, 'vim', 'install app-editors/vim', 'install', 'fp1', 'failed', 1, ?, 60000, '/s/logs/3/vim.log', 'exit code 1')").run(at(0).getTime());
    },
    check(dir) {
      openStateDatabase(dir).close();
      const raw = openRaw(dir);
      raw.pragma("foreign_keys = ON");
      // Rows of version 2 ran once and have no failure class: nobody classified them.
      assert.deepEqual(raw.prepare("SELECT task_id, fingerprint, reason, failure_class, failure, attempts FROM task_results").all(), [
        { task_id: "vim", fingerprint: "fp1", reason: "exit code 1", failure_class: null, failure: null, attempts: 1 },
      ]);
      raw.prepare("INSERT INTO task_attempts (task_result_id, attempt, started_at, exit_code, failure_class) VALUES (4, 1, 0, 1, 'fetch')").run();
      raw.prepare("DELETE FROM runs WHERE id = 3").run();
      assert.deepEqual(raw.prepare("SELECT count(*) AS n FROM task_attempts").get(), { n: 0 });
      raw.close();
    },
  },
  3: {
    insert(db) {
      db.prepare("INSERT INTO runs VALUES (5, ?, ?, 'daemon', '/etc/binpkgbot.yml', 'ghi', 'failed')").run(at(0).getTime(), at(60).getTime());
      db.prepare("INSERT INTO task_results (id, run_id, task_id, title, kind, fingerprint, result, exit_code, started_at, duration_ms, log_path, reason, failure_class, failure, attempts) VALUES (6, 5, 'vim', 'install app-editors/vim', 'install', 'fp2', 'failed', 1, ?, 60000, '/s/logs/5/vim.log', 'exit code 1', 'fetch', '{}', 2)").run(at(0).getTime());
      db.prepare("INSERT INTO binpkgs (task_result_id, cpv, use, path) VALUES (6, 'app-editors/vim-9.1', '', 'app-editors/vim/vim-9.1-1.gpkg.tar')").run();
      db.prepare("INSERT INTO elog_messages (task_result_id, package, class, phase, text) VALUES (6, 'app-editors/vim-9.1', 'warn', 'postinst', 'hello')").run();
      db.prepare("INSERT INTO task_attempts (task_result_id, attempt, started_at, exit_code, failure_class) VALUES (6, 1, 0, 1, 'fetch')").run();
    },
    check(dir) {
      const state = openStateDatabase(dir);
      // A server task's result can be recorded now.
      state.recordTask({ ...taskStart(5, "server-web1", "fp"), task: { id: "server-web1", kind: "server", title: "build @world of server web1" } }, { result: "succeeded", exitCode: 0, durationMs: 1 });
      state.close();
      const raw = openRaw(dir);
      // The rebuilt table kept its rows and every row that references them.
      assert.deepEqual(raw.prepare("SELECT id, task_id, kind, fingerprint, failure_class, attempts FROM task_results ORDER BY id").all(), [
        { id: 6, task_id: "vim", kind: "install", fingerprint: "fp2", failure_class: "fetch", attempts: 2 },
        { id: 7, task_id: "server-web1", kind: "server", fingerprint: "fp", failure_class: null, attempts: 1 },
      ]);
      assert.deepEqual(["binpkgs", "elog_messages", "task_attempts"].map((table) => raw.prepare(`SELECT count(*) AS n FROM ${table} WHERE task_result_id = 6`).get()), [{ n: 1 }, { n: 1 }, { n: 1 }]);
      raw.close();
    },
  },
  4: {
    insert(db) {
      db.prepare("INSERT INTO runs VALUES (8, ?, ?, 'manual', '/etc/binpkgbot.yml', 'jkl', 'succeeded')").run(at(0).getTime(), at(60).getTime());
    },
    check(dir) {
      const state = openStateDatabase(dir);
      // Version 5 keeps each server's latest coverage check, one row per server.
      state.recordServerCoverage([{ server: "web1", status: "uncovered", toCompile: 2, fromBinpkgs: 10, detail: null, checkedAt: at(70) }]);
      state.recordServerCoverage([{ server: "web1", status: "covered", toCompile: 0, fromBinpkgs: 12, detail: null, checkedAt: at(80) }]);
      assert.deepEqual(state.serverCoverage(), [{ server: "web1", status: "covered", toCompile: 0, fromBinpkgs: 12, detail: null, checkedAt: at(80) }]);
      assert.equal(state.lastRun()?.id, 8);
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
