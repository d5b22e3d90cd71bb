// The copy of etc_portage of a step on the job pool: make.conf becomes a directory read in name order
// (make.conf(5)), the admin's file first and the pool's lines last; bashrc keeps the admin's lines.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { TrustedKeyrings } from "../../../src/engine/prepare-signing.js";
import { prepareStep } from "../../../src/engine/prepare-step.js";
import type { Exec } from "../../../src/exec/exec.js";
import type { ContainerStep } from "../../../src/plan/plan.js";
import type { Config } from "../../../src/config/config.js";
import { planRun } from "../../../src/plan/plan-run.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-prepare-jobserver-"));
after(() => rm(root, { recursive: true, force: true }));
const noExec: Exec = { run: async (argv) => assert.fail(`nothing is run here: ${argv.join(" ")}`) };

async function prepared(name: string, layout: (etc: string) => Promise<void>): Promise<string> {
  const etc = path.join(root, name, "etc-portage");
  await mkdir(etc, { recursive: true });
  await layout(etc);
  const config = {
    file: "/c.yml", files: ["/c.yml"], stage: "/s", stageGenerations: 3, keepFailed: 0, etcPortage: etc, portageRepo: "/r", portageRepoLocation: "/var/db/repos/gentoo",
    pkgdir: "/p", pkgdirLocation: "/var/cache/binpkgs", distdir: null, distdirLocation: "/var/cache/distfiles", stateDir: path.join(root, name, "state"),
    useSudo: false, emergeOptions: [], configProtectMask: "/etc", sync: { kind: "none" }, stageBinrepos: false, signing: null, binds: [],
    tasks: [{ kind: "install", id: "t", atom: "a/b", persist: false, modifiers: { use: [], acceptKeywords: [], unmask: [], mask: [] }, origin: { file: "/c.yml", line: 1, path: [] } }],
    buildJobs: 2,
  } as unknown as Config;
  const step = planRun({ config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r" }).steps[0] as ContainerStep;
  await prepareStep(step, noExec, new TrustedKeyrings(noExec));
  return step.etcPortage.to;
}

it("moves the admin's make.conf into make.conf/ first, the pool's lines after it, and appends to bashrc", async () => {
  const copy = await prepared("file", async (etc) => {
    await writeFile(path.join(etc, "make.conf"), 'MAKEOPTS="-j8"\nFEATURES="buildpkg"\n');
    await writeFile(path.join(etc, "bashrc"), "echo admin");
  });
  assert.deepEqual(await readdir(path.join(copy, "make.conf")), ["00-etc-portage", "zz-binpkgbot"]);
  assert.equal(await readFile(path.join(copy, "make.conf", "00-etc-portage"), "utf8"), 'MAKEOPTS="-j8"\nFEATURES="buildpkg"\n');
  assert.match(await readFile(path.join(copy, "make.conf", "zz-binpkgbot"), "utf8"), /MAKEFLAGS="--jobserver-auth=fifo:\/run\/binpkgbot\/jobserver"/);
  assert.match(await readFile(path.join(copy, "bashrc"), "utf8"), /^echo admin\n.*\nif declare -F addwrite >\/dev\/null; then addwrite \/run\/binpkgbot\/jobserver; fi\n$/s);
});

it("adds to a make.conf directory and a bashrc symlink of the admin without changing what they point at", async () => {
  const admin = path.join(root, "admin-bashrc");
  await writeFile(admin, "echo shared\n");
  const copy = await prepared("dir", async (etc) => {
    await mkdir(path.join(etc, "make.conf"));
    await writeFile(path.join(etc, "make.conf", "10-flags"), 'CFLAGS="-O2"\n');
    await symlink(admin, path.join(etc, "bashrc"));
  });
  assert.deepEqual(await readdir(path.join(copy, "make.conf")), ["10-flags", "zz-binpkgbot"]);
  assert.match(await readFile(path.join(copy, "bashrc"), "utf8"), /^echo shared\n# binpkgbot/);
  assert.equal(await readFile(admin, "utf8"), "echo shared\n");
});
