// The latest coverage check of each server (src/coverage/): one row per server, replaced by each check.
import type Database from "better-sqlite3";

export interface ServerCoverageRecord {
  server: string;
  status: "covered" | "uncovered" | "own-stage" | "error";
  /** Packages it would compile (uncovered, covered: 0); null when it was not checked. */
  toCompile: number | null;
  fromBinpkgs: number | null;
  /** Why it needs its own stage, or why it could not be checked. */
  detail: string | null;
  checkedAt: Date;
}

export interface ServerCoverageQueries {
  /** Replaces the rows of these servers, in one transaction. */
  recordServerCoverage(records: readonly ServerCoverageRecord[]): void;
  /** Every server's latest check, by name. */
  serverCoverage(): ServerCoverageRecord[];
}

interface CoverageRow {
  server: string;
  status: ServerCoverageRecord["status"];
  to_compile: number | null;
  from_binpkgs: number | null;
  detail: string | null;
  checked_at: number;
}

export function serverCoverageQueries(db: Database.Database): ServerCoverageQueries {
  const upsert = db.prepare<[string, string, number | null, number | null, string | null, number]>(
    `INSERT OR REPLACE INTO server_coverage (server, status, to_compile, from_binpkgs, detail, checked_at) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const all = db.prepare<[], CoverageRow>("SELECT * FROM server_coverage ORDER BY server");
  const record = db.transaction((records: readonly ServerCoverageRecord[]) => {
    for (const r of records) upsert.run(r.server, r.status, r.toCompile, r.fromBinpkgs, r.detail, r.checkedAt.getTime());
  });
  return {
    recordServerCoverage: (records) => record(records),
    serverCoverage: () => all.all().map((row) => ({
      server: row.server, status: row.status, toCompile: row.to_compile, fromBinpkgs: row.from_binpkgs, detail: row.detail, checkedAt: new Date(row.checked_at),
    })),
  };
}
