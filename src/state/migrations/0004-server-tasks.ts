// Schema version 4: task results of `server:` tasks (kind 'server'). The CHECK constraint on kind is
// changed by rebuilding task_results as in migration 2 (https://www.sqlite.org/lang_altertable.html,
// "Making Other Kinds Of Table Schema Changes"); binpkgs, elog_messages and task_attempts reference it,
// so migrate() runs this with foreign keys off and checks them before committing.
export const name = "server-tasks";

export const sql = `
CREATE TABLE task_results_v4 (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  task_id TEXT NOT NULL,
  title TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('sync', 'upgrade', 'install', 'run', 'server')),
  fingerprint TEXT,
  result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'failed', 'interrupted', 'not-run', 'skipped')),
  exit_code INTEGER,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER,
  log_path TEXT,
  reason TEXT,
  failure_class TEXT,
  failure TEXT,
  attempts INTEGER NOT NULL DEFAULT 1,
  UNIQUE (run_id, task_id)
);

INSERT INTO task_results_v4 SELECT id, run_id, task_id, title, kind, fingerprint, result, exit_code, started_at, duration_ms, log_path, reason, failure_class, failure, attempts FROM task_results;

DROP TABLE task_results;
ALTER TABLE task_results_v4 RENAME TO task_results;

CREATE INDEX task_results_by_task ON task_results (task_id, id);
CREATE INDEX task_results_by_result ON task_results (result);
CREATE INDEX task_results_by_failure ON task_results (task_id, failure_class);
`;
