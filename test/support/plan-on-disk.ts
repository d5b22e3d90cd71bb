// A plan of config task lines over fresh directories below `root` (stage, etc_portage, repository,
// PKGDIR, state), with its log directory made: what engine tests run with a fake exec.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { formatIssue } from "../../src/config/issues.js";
import { loadConfig } from "../../src/config/load.js";
import { planRun } from "../../src/plan/plan-run.js";
import type { Plan } from "../../src/plan/plan.js";
import { memoryFiles } from "./memory-files.js";

let planCount = 0;

/** `stageFilesystem`: "btrfs" where throw-away steps run in snapshots binpkgbot makes, else nspawn's --ephemeral. */
export async function planOnDisk(root: string, taskLines: string[], stageFilesystem: "btrfs" | "ext4", runId: string): Promise<Plan> {
  const dir = path.join(root, `plan-${++planCount}`);
  for (const sub of ["etc-portage", "stage", "repo", "pkgdir", "state"]) await mkdir(path.join(dir, sub), { recursive: true });
  const file = path.join(dir, "binpkgbot.yml");
  const text = [`stage: ${dir}/stage`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${dir}/repo`, `pkgdir: ${dir}/pkgdir`, `state_dir: ${dir}/state`, "sync: false", "tasks:", ...taskLines, ""].join("\n");
  const loaded = loadConfig(file, memoryFiles({ [file]: text }));
  if (!loaded.ok) assert.fail(loaded.issues.map(formatIssue).join("\n"));
  const plan = planRun({ config: loaded.config, host: { systemdPid1: false, stageFilesystem }, runId });
  await mkdir(plan.logDir, { recursive: true });
  return plan;
}
