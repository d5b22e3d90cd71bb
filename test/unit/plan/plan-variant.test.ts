// The plan names the variant each install task must leave in PKGDIR; upgrades, sets and scripts none.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { fixture } from "../../support/fixtures.js";

test("install steps carry their atom and the flags set on it; upgrades and run steps carry none", () => {
  const result = loadConfig(path.join(fixture("plan-forms"), "binpkgbot.yml"), diskConfigFiles);
  if (!result.ok) assert.fail(result.issues.map((issue) => issue.message).join("\n"));
  const plan = planRun({ config: result.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "20261126T000000Z" });
  const variants = Object.fromEntries(plan.steps.map((step) => [step.task.id, step.kind === "container" ? step.variant ?? null : null]));
  assert.equal(variants["upgrade-world"], null);
  assert.equal(variants["upgrade-sys-devel-gcc"], null);
  const runs = plan.steps.filter((step) => step.task.kind === "run");
  assert.equal(runs.length, 3);
  for (const step of runs) assert.equal(variants[step.task.id], null);
  assert.deepEqual(variants["install-app-misc-tmux"], { atom: "app-misc/tmux", enabled: [], disabled: [] });
  // 'media-libs/x265 numa' sets a dependency's flag: not part of ffmpeg's variant.
  const ffmpeg = plan.steps.find((step) => step.kind === "container" && step.variant?.disabled.includes("doc"));
  assert.ok(ffmpeg?.kind === "container");
  assert.deepEqual(ffmpeg.variant, { atom: "media-video/ffmpeg", enabled: ["x265", "video_cards_radeon"], disabled: ["doc"] });
  const python = plan.steps.find((step) => step.kind === "container" && step.variant?.atom.startsWith("=dev-lang/python"));
  assert.ok(python?.kind === "container");
  assert.deepEqual(python.variant, { atom: "=dev-lang/python-3.12*:3.12::gentoo", enabled: ["sqlite"], disabled: ["tk"] });
});
