// Queries on binpkgs: the packages each task added to PKGDIR, from the Packages index before and after.
import type Database from "better-sqlite3";
import type { BinpkgEntry } from "../portage/packages-index.js";

export interface BinpkgRecord {
  cpv: string;
  buildId: number | null;
  /** Enabled USE flags, as the index lists them. */
  use: string[];
  size: number | null;
  /** Relative to PKGDIR. */
  path: string;
  /** BUILD_TIME: Unix seconds, as Portage writes it. */
  buildTime: number | null;
}

export interface BinpkgQueries {
  recordBinpkgs(taskResultId: number, entries: readonly BinpkgEntry[]): void;
  binpkgs(taskResultId: number): BinpkgRecord[];
}

interface BinpkgRow {
  cpv: string;
  build_id: number | null;
  use: string;
  size: number | null;
  path: string;
  build_time: number | null;
}

export function binpkgQueries(db: Database.Database): BinpkgQueries {
  const insert = db.prepare<[number, string, number | null, string, number | null, string, number | null]>(
    "INSERT INTO binpkgs (task_result_id, cpv, build_id, use, size, path, build_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const ofTask = db.prepare<[number], BinpkgRow>(
    "SELECT cpv, build_id, use, size, path, build_time FROM binpkgs WHERE task_result_id = ? ORDER BY id",
  );
  const insertAll = db.transaction((taskResultId: number, entries: readonly BinpkgEntry[]) => {
    for (const entry of entries) {
      insert.run(taskResultId, entry.cpv, entry.buildId ?? null, entry.use.join(" "), entry.size ?? null, entry.path, entry.buildTime ?? null);
    }
  });
  return {
    recordBinpkgs: (taskResultId, entries) => insertAll.immediate(taskResultId, entries),
    binpkgs: (taskResultId) => ofTask.all(taskResultId).map((row) => ({
      cpv: row.cpv, buildId: row.build_id, use: row.use === "" ? [] : row.use.split(" "),
      size: row.size, path: row.path, buildTime: row.build_time,
    })),
  };
}
