// An install task succeeds only if PKGDIR then holds the variant it asked for: real systemd-nspawn over
// btrfs, with the emerge test double, which (as Portage) leaves out of USE a flag the package lacks.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, runCli } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

test("a task asking for a flag the package does not have is warned about, then fails as variant-missing instead of succeeding; built and reused variants pass", { skip, timeout: 180_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  // app-misc/flags has IUSE="+ssl doc gtk" (stage-double/repo): emerge exits 0 for x256 and builds USE "ssl".
  await writeFile(world.config, configText(world, [
    "sync: false", "tasks:",
    "  - install: {atom: app-misc/flags, use: x256, name: typo}",
    "  - install: {atom: app-misc/flags, use: doc, name: doc}",
    "  - install: {atom: app-misc/flags, use: [doc, -gtk], name: reused}",
    "",
  ].join("\n")));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^<== typo: failed \(variant-missing\) in \S+ \(no binpkg of app-misc\/flags in PKGDIR has USE x256\)$/m);
  assert.match(result.stdout, /^typo\s+failed\s/m);
  assert.match(result.stdout, /^doc\s+succeeded\s+\S+\s+app-misc\/flags-1\.0-2 /m);
  // The doc build of the task before is merged from PKGDIR (--usepkg): nothing new, and still a success.
  assert.match(result.stdout, /^reused\s+succeeded\s+\S+$/m);
  assert.match(result.stderr, /1 of 3 step\(s\) did not succeed/);
  // The run warned before it started: the flag is not in the IUSE of the repository's ebuild.
  assert.match(result.stderr, /^warning: \S+binpkgbot\.yml:\d+:\d+: tasks\[0\]\.install\.use: USE flag 'x256' is not in the IUSE of app-misc\/flags \(version 1\.0\) in \S+, so Portage ignores it \(its flags are: doc gtk ssl\)$/m);
});
