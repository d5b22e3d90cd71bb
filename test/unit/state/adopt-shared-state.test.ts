// The state older versions kept shared in /var/lib/binpkgbot moves to a config's own directory only
// when every run in it is of that config.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { adoptSharedState } from "../../../src/state/adopt-shared-state.js";
import { openStateDatabase } from "../../../src/state/database.js";
import { at, runStart, tempStateDir } from "./state-fixtures.js";

const CONFIG = "/etc/binpkgbot/binpkgbot.yml";

/** A shared state directory with one run per config file given, each with a task log under logs/. */
function sharedState(configFiles: string[]): string {
  const shared = tempStateDir();
  const db = openStateDatabase(shared);
  for (const configFile of configFiles) {
    const runId = db.startRun({ ...runStart(), configFile });
    const logPath = path.join(shared, "logs", `r${runId}`, "a.log");
    mkdirSync(path.dirname(logPath), { recursive: true });
    writeFileSync(logPath, "output\n");
    db.recordTask({ runId, task: { id: "a", kind: "install", title: "a" }, fingerprint: "f", startedAt: at(0), logPath }, { result: "succeeded", exitCode: 0, durationMs: 1 });
    db.finishRun(runId, { endedAt: at(1), result: "succeeded" });
  }
  db.close();
  writeFileSync(path.join(shared, "daemon.json"), "{}\n");
  return shared;
}

test("a shared state of this config alone moves into its own directory, log paths and all", async () => {
  const shared = sharedState([CONFIG, "/srv/stages/amd64.yml"]);
  const stateDir = path.join(shared, "binpkgbot-12345678");
  const message = await adoptSharedState({ configFiles: [CONFIG, "/srv/stages/amd64.yml"], stateDir, sharedDir: shared });
  assert.match(message ?? "", /^moved this config's state from .* to its own directory .*binpkgbot-12345678/);
  for (const name of ["state.db", "logs", "daemon.json"]) {
    assert.ok(existsSync(path.join(stateDir, name)), name);
    assert.ok(!existsSync(path.join(shared, name)), `${name} left the shared directory`);
  }
  const db = openStateDatabase(stateDir);
  const logs = db.newestTaskLogs();
  db.close();
  assert.deepEqual(logs, [path.join(stateDir, "logs", "r2", "a.log")]);
  assert.ok(existsSync(logs[0] ?? ""), "the log is where the database says");
  assert.equal(await adoptSharedState({ configFiles: [CONFIG], stateDir, sharedDir: shared }), null, "once only");
});

test("a shared state with runs of another config is left alone, and says so", async () => {
  const shared = sharedState([CONFIG, "/etc/binpkgbot/server.yml"]);
  const stateDir = path.join(shared, "binpkgbot-12345678");
  const message = await adoptSharedState({ configFiles: [CONFIG], stateDir, sharedDir: shared });
  assert.match(message ?? "", /holds runs of other configs too \(\/etc\/binpkgbot\/server\.yml\), so it was left alone/);
  assert.ok(existsSync(path.join(shared, "state.db")));
  assert.ok(!existsSync(stateDir));
});

test("nothing to do without a shared database, or once the config has its own", async () => {
  const empty = tempStateDir();
  assert.equal(await adoptSharedState({ configFiles: [CONFIG], stateDir: path.join(empty, "own"), sharedDir: empty }), null);
  const shared = sharedState([CONFIG]);
  const own = tempStateDir();
  openStateDatabase(own).close();
  assert.equal(await adoptSharedState({ configFiles: [CONFIG], stateDir: own, sharedDir: shared }), null);
  assert.ok(existsSync(path.join(shared, "state.db")), "the shared one stays");
});
