// stage_binrepos: the stage's own binrepos.conf (Gentoo's binhost in a stage3) reaches containers only
// when asked, and never over the admin's own.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { leakGuard } from "./harness/leak-guard.js";
import { integrationSuite } from "./harness/suite.js";
import { configText, createWorld, readRecords, runCli } from "./support/world.js";

const suite = await integrationSuite();
const GENTOO_BINHOST = "[gentoobinhost]\npriority = 1\nsync-uri = https://distfiles.gentoo.org/releases/amd64/binpackages/23.0/x86-64\n";

for (const [setting, admin, expected] of [
  [false, null, null],
  [true, null, GENTOO_BINHOST],
  [true, "[mine]\nsync-uri = http://binhost.example/\n", "[mine]\nsync-uri = http://binhost.example/\n"],
] as const) {
  test(`stage_binrepos: ${setting}${admin ? ", etc_portage has its own" : ""}`, { skip: suite.skip }, async (t) => {
    const world = await createWorld(suite.fixture().dir);
    t.after(await leakGuard(suite.fixture().dir));
    await mkdir(path.join(world.stage, "etc/portage/binrepos.conf"), { recursive: true });
    await writeFile(path.join(world.stage, "etc/portage/binrepos.conf/gentoobinhost.conf"), GENTOO_BINHOST);
    if (admin) await writeFile(path.join(world.etcPortage, "binrepos.conf"), admin);
    await writeFile(world.config, configText(world, `sync: false\nstage_binrepos: ${setting}\ntasks:\n  - install: app-misc/x\n`));
    const result = await runCli(["run", "-c", world.config]);
    assert.equal(result.code, 0, result.stderr);
    const [record] = await readRecords(world);
    const seen = /==> binrepos\.conf(?:\/gentoobinhost\.conf)? <==\n([^]*?)(?:==>|$)/.exec(record?.portage ?? "")?.[1] ?? null;
    assert.equal(seen, expected);
  });
}
