// Schema version 5: the latest coverage check of each server (binpkgbot coverage, the daemon), for
// status and /status: covered, or how many packages it would compile, and when it was checked.
export const name = "server-coverage";

export const sql = `
CREATE TABLE server_coverage (
  server TEXT PRIMARY KEY,
  status TEXT NOT NULL CHECK (status IN ('covered', 'uncovered', 'own-stage', 'error')),
  to_compile INTEGER,
  from_binpkgs INTEGER,
  detail TEXT,
  checked_at INTEGER NOT NULL
);
`;
