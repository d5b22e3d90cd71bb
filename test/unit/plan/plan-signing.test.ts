// Which containers sign, and exactly what they get (cnf/make.globals, lib/portage/gpkg.py).
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { planRun, planShell } from "../../../src/plan/plan-run.js";
import type { ContainerStep } from "../../../src/plan/plan.js";
import { memoryFiles } from "../../support/memory-files.js";

const FPR = "E67C13262597AA179EC281182D6BD441E432C98F";
const text = `stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nsigning: {key: '0x${FPR.toLowerCase()}', gnupg_home: /root/.gnupg}\ntasks:\n  - install: a/b\n  - run: {script: 'emerge c/d', persist: false}\n`;
const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
const input = { config: result.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r" };
const [sync, install, run] = planRun(input).steps as ContainerStep[];

test("the key is normalised to upper-case hex without 0x", () => {
  assert.equal(result.ok && result.config.signing?.key, FPR);
});

test("task containers sign: Portage's variables, a private copy of the GnuPG home, and /run/lock", () => {
  for (const step of [install, run]) {
    assert.ok(step?.signing);
    assert.equal(step.spec.env.FEATURES, "buildpkg binpkg-signing");
    assert.equal(step.spec.env.BINPKG_GPG_SIGNING_KEY, FPR);
    assert.equal(step.spec.env.BINPKG_GPG_SIGNING_GPG_HOME, "/run/binpkgbot/signing-gnupg");
    assert.ok(step.argv.includes(`--bind=${step.workDir}/signing-gnupg:/run/binpkgbot/signing-gnupg`));
    assert.ok(step.argv.includes(`--bind=${step.workDir}/run-lock:/run/lock`));
    assert.ok(!step.argv.some((word) => word.includes("/root/.gnupg")), "the admin's GnuPG home is never bound");
  }
});

test("the sync and a shell do not sign, but trust the key like every container", () => {
  const shell = planShell(input, { directory: "/s", ephemeral: true, terminal: false });
  for (const step of [sync, shell]) {
    assert.equal(step?.signing, null);
    assert.equal(step?.spec.env.FEATURES, "buildpkg");
    assert.ok(!step?.argv.some((word) => word.includes("BINPKG_GPG_SIGNING") || word.includes("signing-gnupg")));
    assert.deepEqual(step?.etcPortage.trust, { key: FPR, gnupgHome: "/root/.gnupg" });
  }
});

test("a key that is not a fingerprint or long id is a config error (Portage splits it like a shell)", () => {
  const bad = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text.replace(`0x${FPR.toLowerCase()}`, "me@example.org --no-sig") }));
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? "" : formatIssue(bad.issues[0]!), /signing\.key: 'me@example.org --no-sig' is not a key fingerprint or long key id/);
});
