// Schema version 1: runs and the result of each task in a run. Times are Unix milliseconds (UTC).
export const name = "initial";

export const sql = `
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'timer', 'daemon')),
  config_file TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'failed', 'interrupted'))
);

CREATE TABLE task_results (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  task_id TEXT NOT NULL,
  title TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('sync', 'upgrade', 'install', 'run')),
  result TEXT NOT NULL CHECK (result IN ('running', 'succeeded', 'failed', 'interrupted', 'not-run')),
  exit_code INTEGER,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER,
  log_path TEXT,
  reason TEXT,
  UNIQUE (run_id, task_id)
);

CREATE INDEX task_results_by_task ON task_results (task_id, id);
`;
