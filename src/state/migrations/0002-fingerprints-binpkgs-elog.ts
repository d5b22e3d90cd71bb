// Schema version 2: a fingerprint per task result and the 'skipped' result (so a run can skip what
// has not changed), the binpkgs each task added, and the elog messages of its packages.
//
// SQLite cannot change a CHECK constraint in place, so task_results is rebuilt following
// "Making Other Kinds Of Table Schema Changes" (https://www.sqlite.org/lang_altertable.html):
// create the new table, copy, drop the old one, rename. Nothing references task_results yet.
export const name = "fingerprints-binpkgs-elog";

export const sql = `
CREATE TABLE task_results_v2 (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  task_id TEXT NOT NULL,
  title TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('sync', 'upgrade', 'install', 'run')),
  fingerprint TEXT,
  result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'failed', 'interrupted', 'not-run', 'skipped')),
  exit_code INTEGER,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER,
  log_path TEXT,
  reason TEXT,
  UNIQUE (run_id, task_id)
);

INSERT INTO task_results_v2 (id, run_id, task_id, title, kind, result, exit_code, started_at, duration_ms, log_path, reason)
  SELECT id, run_id, task_id, title, kind, result, exit_code, started_at, duration_ms, log_path, reason FROM task_results;

DROP TABLE task_results;
ALTER TABLE task_results_v2 RENAME TO task_results;

CREATE INDEX task_results_by_task ON task_results (task_id, id);
CREATE INDEX task_results_by_result ON task_results (result);

CREATE TABLE binpkgs (
  id INTEGER PRIMARY KEY,
  task_result_id INTEGER NOT NULL REFERENCES task_results (id) ON DELETE CASCADE,
  cpv TEXT NOT NULL,
  build_id INTEGER,
  use TEXT NOT NULL,
  size INTEGER,
  path TEXT NOT NULL,
  build_time INTEGER
);

CREATE INDEX binpkgs_by_task_result ON binpkgs (task_result_id);
CREATE INDEX binpkgs_by_cpv ON binpkgs (cpv);

CREATE TABLE elog_messages (
  id INTEGER PRIMARY KEY,
  task_result_id INTEGER NOT NULL REFERENCES task_results (id) ON DELETE CASCADE,
  package TEXT NOT NULL,
  class TEXT NOT NULL CHECK (class IN ('info', 'log', 'warn', 'error', 'qa')),
  phase TEXT NOT NULL,
  text TEXT NOT NULL
);

CREATE INDEX elog_messages_by_task_result ON elog_messages (task_result_id);
`;
