// A `server:` task's work files (src/engine/prepare-step.ts): the server's own /etc/portage, world and
// world_sets where the container finds them, and a clear failure for a reporting server that never reported.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { prepareStep } from "../../../src/engine/prepare-step.js";
import { TrustedKeyrings } from "../../../src/engine/prepare-signing.js";
import type { Exec } from "../../../src/exec/exec.js";
import { planRun } from "../../../src/plan/plan-run.js";
import type { ContainerStep } from "../../../src/plan/plan.js";
import { memoryFiles } from "../../support/memory-files.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-server-step-"));
after(() => rm(root, { recursive: true, force: true }));
const noExec: Exec = { run: async (argv) => assert.fail(`nothing is run here: ${argv.join(" ")}`) };

function serverStep(task: string): ContainerStep {
  const text = [`stage: ${root}/stage`, `etc_portage: ${root}/admin-portage`, `portage_repo: ${root}/repo`, `pkgdir: ${root}/pkgdir`, `state_dir: ${root}/state`, "sync: false",
    "servers:", "  - {name: web1, etc_portage: web1/portage, world: web1/world, sets: [web1/extra]}", "  - {name: db1, report: true, token_file: db1.token}",
    "tasks:", `  - server: ${task}`, ""].join("\n");
  const result = loadConfig(path.join(root, "binpkgbot.yml"), memoryFiles({ [path.join(root, "binpkgbot.yml")]: text }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  const [step] = planRun({ config: result.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r1" }).steps;
  return step?.kind === "container" ? step : assert.fail("a container step");
}

test("the server's /etc/portage, not the admin's, with its world and its sets in world_sets", async () => {
  await mkdir(path.join(root, "web1", "portage"), { recursive: true });
  await mkdir(path.join(root, "admin-portage"), { recursive: true });
  await writeFile(path.join(root, "admin-portage", "make.conf"), 'USE="admin"\n');
  await writeFile(path.join(root, "web1", "portage", "make.conf"), 'USE="doc"\n');
  await writeFile(path.join(root, "web1", "world"), "app-misc/flags\n");
  await writeFile(path.join(root, "web1", "extra"), "app-misc/extra\n");
  const step = serverStep("web1");
  await prepareStep(step, noExec, new TrustedKeyrings(noExec));
  const bound = (to: string): string => step.spec.binds.find((bind) => bind.to === to)?.from ?? assert.fail(`nothing bound at ${to}`);
  assert.equal(await readFile(path.join(bound("/etc/portage"), "make.conf"), "utf8"), 'USE="doc"\n');
  assert.equal(await readFile(path.join(bound("/etc/portage"), "sets", "extra"), "utf8"), "app-misc/extra\n");
  assert.equal(await readFile(bound("/var/lib/portage/world"), "utf8"), "app-misc/flags\n");
  assert.equal(await readFile(bound("/var/lib/portage/world_sets"), "utf8"), "@extra\n");
});

test("a reporting server that never reported: the step cannot be prepared, and the message names binpkgbot report", async () => {
  await assert.rejects(prepareStep(serverStep("db1"), noExec, new TrustedKeyrings(noExec)), {
    name: "PrepareError",
    message: `server db1: no report from it yet in ${path.join(root, "state", "servers", "db1")}: on the server, run binpkgbot report (binpkgbot client-config --report sets it up)`,
  });
});
