// The state observer on a real SQLite file: a task is skipped only while every input is the same,
// across database reopenings; binpkgbot's own version is one of the inputs.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Config } from "../../src/config/config.js";
import { createStateObserver } from "../../src/engine/state-observer.js";
import { nodeExec } from "../../src/exec/exec.js";
import { planRun } from "../../src/plan/plan-run.js";
import { openStateDatabase } from "../../src/state/database.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-observer-"));
after(() => rm(root, { recursive: true, force: true }));

async function setUp(): Promise<Config> {
  for (const dir of ["stage", "etc-portage", "gentoo/metadata", "packages", "state"]) await mkdir(path.join(root, dir), { recursive: true });
  await writeFile(path.join(root, "etc-portage", "make.conf"), "USE=x\n");
  await writeFile(path.join(root, "gentoo", "metadata", "timestamp.chk"), "Thu, 26 Nov 2026 00:00:00 +0000\n");
  const origin = { file: path.join(root, "binpkgbot.yml"), path: [], line: 1, includedFrom: [] };
  return {
    file: origin.file, files: [origin.file], stage: path.join(root, "stage"), stageGenerations: 3,
    etcPortage: path.join(root, "etc-portage"), portageRepo: path.join(root, "gentoo"), portageRepoLocation: "/var/db/repos/gentoo",
    pkgdir: path.join(root, "packages"), pkgdirLocation: "/var/cache/binpkgs", distdir: null, distdirLocation: "/var/cache/distfiles",
    stateDir: path.join(root, "state"), useSudo: false, emergeOptions: [], configProtectMask: "/etc", sync: { kind: "none" }, stageBinrepos: false, signing: null, binds: [],
    tasks: [{ kind: "install", id: "tmux", atom: "app-misc/tmux", persist: false, modifiers: { use: [], acceptKeywords: [], unmask: [], mask: [] }, origin }],
  };
}

/** Asks whether the task would be skipped; if not, records an attempt that ends with `attempt` (none: not started). */
async function decide(config: Config, version: string, attempt: "succeeded" | "failed" | null): Promise<string | null> {
  const db = openStateDatabase(config.stateDir);
  try {
    const runId = db.startRun({ startedAt: new Date(), trigger: "manual", configFile: config.file, configHash: "h" });
    const observer = createStateObserver({ db, runId, config, exec: nodeExec, now: () => new Date(), binpkgbotVersion: version, force: new Set() });
    const [step] = planRun({ config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: `r${runId}` }).steps;
    assert.ok(step);
    const decision = await observer.beforeStep(step);
    if (decision.skip === null && attempt !== null) {
      observer.stepStarted(step, decision.fingerprint);
      await observer.stepFinished({ step, result: attempt, exitCode: attempt === "succeeded" ? 0 : 1, durationMs: 5, added: [] });
    }
    db.finishRun(runId, { endedAt: new Date(), result: "succeeded" });
    return decision.skip;
  } finally {
    db.close();
  }
}

test("skipped while nothing changes; a new binpkgbot version, or a failed attempt with the same inputs, makes it run", async () => {
  const config = await setUp();
  assert.equal(await decide(config, "0.1.0", "succeeded"), null, "first run");
  assert.match((await decide(config, "0.1.0", "succeeded")) ?? "", /^unchanged since its last success/, "reopened database, same inputs");
  assert.equal(await decide(config, "0.2.0", "failed"), null, "a new version of binpkgbot");
  assert.equal(await decide(config, "0.2.0", "failed"), null, "the attempt with 0.2.0 failed (its fingerprint is recorded), so it runs again");
  assert.equal(await decide(config, "0.2.0", "succeeded"), null, "still failed before, so it runs and now succeeds");
  assert.match((await decide(config, "0.2.0", null)) ?? "", /^unchanged since its last success/);
});
