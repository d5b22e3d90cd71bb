// A text dump of a database's schema (tables, columns, indexes), for the golden schema test.
import type Database from "better-sqlite3";

interface MasterRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

interface ColumnRow {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

export function dumpSchema(db: Database.Database): string {
  const lines = [`-- user_version ${String(db.pragma("user_version", { simple: true }))}`];
  const rows = db.prepare<[], MasterRow>(
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY tbl_name, type DESC, name",
  ).all();
  for (const row of rows) {
    lines.push("", `-- ${row.type} ${row.name}`);
    if (row.type === "table") {
      for (const column of db.prepare<[], ColumnRow>(`SELECT * FROM pragma_table_info('${row.name}')`).all()) {
        const flags = [column.type, column.notnull ? "not null" : "", column.pk ? `pk ${column.pk}` : "", column.dflt_value === null ? "" : `default ${column.dflt_value}`];
        lines.push(`--   ${column.name}: ${flags.filter((flag) => flag !== "").join(", ")}`);
      }
    }
    lines.push(`${row.sql ?? "(automatic)"};`);
  }
  return `${lines.join("\n")}\n`;
}
