// Skipping a `server:` task (src/engine/state-observer.ts, src/state/read-inputs.ts hashServerInputs):
// its fingerprint follows the server's /etc/portage and world, not the admin's etc_portage nor files beside
// the server's copies. A real SQLite file, the server's copies in a temporary directory, no containers.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Config } from "../../../src/config/config.js";
import { createStateObserver } from "../../../src/engine/state-observer.js";
import type { Exec } from "../../../src/exec/exec.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { openStateDatabase } from "../../../src/state/database.js";
import { observerConfig } from "../../support/observer-config.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-server-print-"));
after(() => rm(root, { recursive: true, force: true }));
const noExec: Exec = { run: async (argv) => assert.fail(`nothing is run here: ${argv.join(" ")}`) };

async function serverConfig(): Promise<Config> {
  const config = await observerConfig(root);
  const web1 = path.join(root, "web1");
  await mkdir(path.join(web1, "portage", "package.use"), { recursive: true });
  await writeFile(path.join(web1, "portage", "package.use", "flags"), "app-misc/flags -doc\n");
  await writeFile(path.join(web1, "world"), "app-misc/flags\n");
  const origin = { file: config.file, path: ["tasks", 0], line: 3, includedFrom: [] };
  return {
    ...config,
    servers: [{ name: "web1", report: false, etcPortage: path.join(web1, "portage"), world: path.join(web1, "world"), sets: [], ignore: [] }],
    tasks: [{ kind: "server", id: "server-web1", server: "web1", persist: false, origin }],
  };
}

let run = 0;
/** The skip reason of run number `run`, after which the task is recorded as succeeded if it ran. */
async function nextRun(config: Config): Promise<string | null> {
  const db = openStateDatabase(config.stateDir);
  const now = (): Date => new Date(Date.UTC(2026, 10, 26, 3, run++));
  try {
    const runId = db.startRun({ startedAt: now(), trigger: "timer", configFile: config.file, configHash: "h" });
    const observer = createStateObserver({ db, runId, config, exec: noExec, now, binpkgbotVersion: "0.1.0", force: new Set() });
    const [step] = planRun({ config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: `r${runId}` }).steps;
    assert.ok(step);
    const decision = await observer.beforeStep(step);
    if (decision.skip === null) {
      observer.stepStarted(step, decision.fingerprint);
      await observer.stepFinished({ step, result: "succeeded", exitCode: 0, durationMs: 5, added: [] });
    }
    db.finishRun(runId, { endedAt: now(), result: "succeeded" });
    return decision.skip;
  } finally {
    db.close();
  }
}

const UNCHANGED = /^unchanged since its last success \(fingerprint [0-9a-f]{12}\); --force server-web1 builds it again$/;

test("a server task runs again when the server's package.use or world changes, not for the admin's etc_portage or a file beside", async () => {
  const config = await serverConfig();
  assert.equal(await nextRun(config), null, "first run");
  assert.match(await nextRun(config) ?? "", UNCHANGED, "nothing changed");

  await writeFile(path.join(root, "web1", "portage", "package.use", "flags"), "app-misc/flags doc\n");
  assert.equal(await nextRun(config), null, "the server's package.use changed");
  assert.match(await nextRun(config) ?? "", UNCHANGED);

  await writeFile(path.join(root, "web1", "world"), "app-misc/flags\napp-misc/other\n");
  assert.equal(await nextRun(config), null, "the server's world changed");
  assert.match(await nextRun(config) ?? "", UNCHANGED);

  await writeFile(path.join(root, "web1", "notes.txt"), "not a Portage file\n");
  await writeFile(path.join(config.etcPortage, "make.conf"), "USE=admin-only\n");
  assert.match(await nextRun(config) ?? "", UNCHANGED, "neither a file beside the copies nor the admin's etc_portage counts");
});
