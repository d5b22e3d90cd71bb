// Schema version 3: why a task failed (its failure class and details, src/failure/failure.ts) and each
// attempt of a task that was retried within its run. `failure` holds the Failure as JSON; its class is
// also a column so that quarantine and history can query it. Classes are checked in code, not by a CHECK
// constraint, so that a new class needs no table rebuild.
export const name = "failures-attempts";

export const sql = `
ALTER TABLE task_results ADD COLUMN failure_class TEXT;
ALTER TABLE task_results ADD COLUMN failure TEXT;
ALTER TABLE task_results ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;

CREATE TABLE task_attempts (
  id INTEGER PRIMARY KEY,
  task_result_id INTEGER NOT NULL REFERENCES task_results (id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER,
  exit_code INTEGER,
  failure_class TEXT,
  summary TEXT,
  UNIQUE (task_result_id, attempt)
);

CREATE INDEX task_results_by_failure ON task_results (task_id, failure_class);
`;
