// Each server's latest coverage in `status` (the table, and --json / GET /status through the status
// reader): covered or N to compile, and when it was checked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatServerTable } from "../../../src/cli/commands/status.js";
import { createStatusReader } from "../../../src/server/status-reader.js";
import { openStateDatabase } from "../../../src/state/database.js";
import { at, tempStateDir } from "../state/state-fixtures.js";

const web1 = { server: "web1", status: "covered" as const, toCompile: 0, fromBinpkgs: 40, detail: null, checkedAt: at(0) };
const web2 = { server: "web2", status: "uncovered" as const, toCompile: 3, fromBinpkgs: 37, detail: null, checkedAt: at(60) };

test("status lists each server: covered, N to compile, its own stage, never checked; with when", () => {
  const arm = { server: "arm1", status: "own-stage" as const, toCompile: null, fromBinpkgs: null, detail: "another arch", checkedAt: at(0) };
  assert.deepEqual(formatServerTable([arm, web1, web2], ["web1", "web2", "db1"]), [
    "SERVER                    COVERAGE                            CHECKED",
    "arm1 (not in the config)  needs its own stage                 2026-11-26 03:15:00Z",
    "web1                      covered                             2026-11-26 03:15:00Z",
    "web2                      3 to compile                        2026-11-26 03:16:00Z",
    "db1                       never checked (binpkgbot coverage)  -",
  ]);
  assert.deepEqual(formatServerTable([], []), [], "no servers: no table");
});

test("the status reader (GET /status) carries each server's latest check", () => {
  const dir = tempStateDir();
  const db = openStateDatabase(dir);
  db.recordServerCoverage([web1, web2]);
  db.close();
  const reader = createStatusReader();
  try {
    assert.deepEqual(reader.read(dir).servers, [web1, web2]);
  } finally {
    reader.close();
  }
});
