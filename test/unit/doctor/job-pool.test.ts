// The doctor on build_jobs: what in the stage does not take its jobs from the pool.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { checkJobPool, readJobPoolFacts, type JobPoolFacts } from "../../../src/doctor/job-pool.js";

const current: JobPoolFacts = { buildJobs: 8, stage: "/s", portage: "3.0.82", make: "4.4.1-r100", ninja: "1.13.1" };
const levels = (facts: JobPoolFacts | null, makeConf = [{ path: "/e/make.conf", text: 'FEATURES="buildpkg"\n' }]) =>
  checkJobPool(facts, makeConf).map((finding) => `${finding.level}: ${finding.message}`);

test("without build_jobs the doctor says nothing about a pool", () => {
  assert.deepEqual(checkJobPool(null, null), []);
});

test("a current stage: one ok finding that names what is not held to the pool", () => {
  const [finding, ...rest] = levels(current);
  assert.deepEqual(rest, []);
  assert.match(finding ?? "", /^ok: one GNU make jobserver with 8 tokens/);
  for (const word of ["ignore MAKEFLAGS", "own -jN", "cargo/rustc", "ninja before 1.13"]) assert.ok(finding?.includes(word), word);
});

test("portage before 3.0.74 (no FEATURES=jobserver-token), make before 4.4 (no fifo:) and ninja before 1.13 are named", () => {
  const findings = levels({ ...current, portage: "3.0.73", make: "4.3-r1", ninja: "1.12.1" });
  assert.match(findings[0] ?? "", /^problem: portage 3\.0\.73 in the stage: FEATURES=jobserver-token needs portage 3\.0\.74/);
  assert.match(findings[1] ?? "", /^problem: GNU make 4\.3-r1 in the stage does not read --jobserver-auth=fifo:/);
  assert.match(findings[2] ?? "", /^warning: ninja 1\.12\.1 in the stage takes no jobs from a jobserver/);
  assert.equal(levels({ ...current, portage: "3.0.74", make: "4.4", ninja: "1.13" }).length, 1, "the first versions with support pass");
  assert.match(levels({ ...current, portage: null })[0] ?? "", /^warning: no sys-apps\/portage found in \/s\/var\/db\/pkg/);
});

test("the admin's MAKEOPTS is named as unused while the pool is on", () => {
  const findings = levels(current, [{ path: "/e/make.conf/10-jobs", text: 'MAKEOPTS="-j16 -l16"\n' }]);
  assert.match(findings[0] ?? "", /^warning: MAKEOPTS in \/e\/make.conf\/10-jobs is not used while the pool is on: emake drops MAKEOPTS/);
});

const stage = await mkdtemp(path.join(tmpdir(), "binpkgbot-job-pool-"));
after(() => rm(stage, { recursive: true, force: true }));

test("versions come from the stage's /var/db/pkg, newest installed slot, either category of make and ninja", async () => {
  for (const dir of ["sys-apps/portage-3.0.81", "sys-apps/portage-3.0.82", "sys-apps/portage-utils-0.97", "sys-devel/make-4.3", "dev-build/ninja-1.13.1"]) {
    await mkdir(path.join(stage, "var/db/pkg", dir), { recursive: true });
  }
  assert.deepEqual(await readJobPoolFacts(4, stage), { buildJobs: 4, stage, portage: "3.0.82", make: "4.3", ninja: "1.13.1" });
});
