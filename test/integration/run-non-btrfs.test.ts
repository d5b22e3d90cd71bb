// A stage that is not on btrfs still works: nspawn copies it for each throw-away container (slow, so
// binpkgbot warns once with the cost), and a persisting task changes it in place (no generations).
import assert from "node:assert/strict";
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { readFilesystemType } from "../../src/container/filesystem.js";
import { nodeExec, runChecked } from "../../src/exec/exec.js";
import { leakGuard } from "./harness/leak-guard.js";
import { integrationSuite } from "./harness/suite.js";
import { configText, createWorld, runCli } from "./support/world.js";

const suite = await integrationSuite();

test("a stage off btrfs: a warning with the cost, throw-away copies, persisting in place, nothing left beside it", { skip: suite.skip }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const elsewhere = await mkdtemp(path.join(tmpdir(), "binpkgbot-plain-stage-"));
  t.after(() => rm(elsewhere, { recursive: true, force: true }));
  const filesystem = await readFilesystemType(elsewhere);
  if (filesystem === "btrfs") return t.skip(`${tmpdir()} is on btrfs here`);
  const stage = path.join(elsewhere, "stage");
  await runChecked(nodeExec, ["cp", "-a", world.stage, stage]);
  await writeFile(world.config, configText(world, [
    "sync: false",
    "tasks:",
    "  - install: app-misc/thrown-away",
    "  - install: {atom: app-misc/kept, persist: true}",
    "",
  ].join("\n")).replace(`stage: ${world.stage}`, `stage: ${stage}`));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const warnings = result.stderr.split("\n").filter((line) => line.includes("not btrfs"));
  assert.equal(warnings.length, 2, result.stderr);
  assert.match(warnings[0] ?? "", new RegExp(`${stage} is on ${filesystem}, not btrfs: every throw-away container is a full copy of the stage`));
  assert.match(warnings[1] ?? "", new RegExp(`${stage} is on ${filesystem}, not btrfs: a failed throw-away task's container is not kept for inspection \\(keep_failed\\)`));
  assert.equal(await readFile(path.join(stage, "var/lib/emerge-double/installed"), "utf8"), "app-misc/kept-1.0\n");
  assert.ok(!(await lstat(stage)).isSymbolicLink(), "no generations without btrfs");
  assert.deepEqual((await readdir(elsewhere)).filter((entry) => entry !== "stage" && !entry.endsWith(".lock")), [], "no copies or snapshots left beside the stage");
  const list = await runCli(["stage", "list", "-c", world.config]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`^${stage}: a plain directory on ${filesystem}, not btrfs: persisting tasks change it in place, so it has no generations ` +
    "to roll back to; last changed in place by install-app-misc-kept \\(\\d{4}-", "m"));
  assert.doesNotMatch(list.stdout, /no persisting task has changed it/);
});
