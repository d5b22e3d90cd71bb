// Whether a server can be served from the stage at all (src/coverage/stage-match.ts), and the
// container that asks Portage about it (src/coverage/plan-coverage.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Config } from "../../../src/config/config.js";
import { planCoverageContainer, PRETEND_COMMAND, renderWorldSets } from "../../../src/coverage/plan-coverage.js";
import { ownStageReason, parseMakeConfValue, portageFacts } from "../../../src/coverage/stage-match.js";
import { parseProfilesDesc } from "../../../src/portage/profile-files.js";

const PROFILES = parseProfilesDesc("amd64 default/linux/amd64/23.0 stable\narm64 default/linux/arm64/23.0 stable\namd64 default/linux/amd64/23.0/systemd stable\n");
const link = (profile: string): string => `../../var/db/repos/gentoo/profiles/${profile}`;

test("another arch (profiles.desc) or another CHOST needs its own stage; another profile of the same arch does not", () => {
  const stage = portageFacts(link("default/linux/amd64/23.0"), 'CHOST="x86_64-pc-linux-gnu"\n', PROFILES);
  assert.deepEqual(stage, { profile: "default/linux/amd64/23.0", arch: "amd64", chost: "x86_64-pc-linux-gnu" });
  assert.equal(ownStageReason(stage, portageFacts(link("default/linux/arm64/23.0"), "", PROFILES)),
    "its profile default/linux/arm64/23.0 is for arm64, the stage's default/linux/amd64/23.0 for amd64");
  assert.equal(ownStageReason(stage, portageFacts(link("default/linux/amd64/23.0/systemd"), "CHOST=x86_64-gentoo-linux-musl\n", PROFILES)),
    "its CHOST is x86_64-gentoo-linux-musl, the stage's x86_64-pc-linux-gnu");
  assert.equal(ownStageReason(stage, portageFacts(link("default/linux/amd64/23.0/systemd"), "", PROFILES)), null);
  assert.equal(ownStageReason(stage, portageFacts(null, "", PROFILES)), null, "unknown facts never count as different");
});

test("make.conf values: quoted, bare, exported; the last assignment wins; comments are no value", () => {
  assert.equal(parseMakeConfValue('CHOST="a"\n# CHOST="b"\nexport CHOST=\'c\' # set\n', "CHOST"), "c");
  assert.equal(parseMakeConfValue("MYCHOST=x\n", "CHOST"), null);
  assert.equal(parseMakeConfValue('CFLAGS="-O2 -pipe"\n', "CFLAGS"), "-O2 -pipe");
});

test("the coverage container: a throw-away snapshot of the stage, PKGDIR and repository read-only, the server's files", () => {
  const config = { stage: "/v/stage", portageRepo: "/v/repo", portageRepoLocation: "/var/db/repos/gentoo", pkgdir: "/v/pkgs", pkgdirLocation: "/var/cache/binpkgs", useSudo: false } as Config;
  const spec = planCoverageContainer(config, { workDir: "/s/work/coverage-r/web1", machine: "binpkgbot-cov-1", systemdPid1: true });
  assert.equal(spec.ephemeral, true);
  assert.deepEqual(spec.binds, [
    { from: "/v/repo", to: "/var/db/repos/gentoo", writable: false },
    { from: "/v/pkgs", to: "/var/cache/binpkgs", writable: false },
    { from: "/s/work/coverage-r/web1/etc-portage", to: "/etc/portage", writable: false },
    { from: "/s/work/coverage-r/web1/var-lib-portage", to: "/var/lib/portage", writable: false },
  ]);
  assert.deepEqual(spec.argv.slice(-PRETEND_COMMAND.length), ["emerge", "--pretend", "--emptytree", "--usepkg", "--color=n", "--nospinner", "@world"]);
  assert.ok(spec.argv.includes("--bind-ro=/v/pkgs:/var/cache/binpkgs"), spec.argv.join(" "));
  assert.equal(renderWorldSets(["extra", "web"]), "@extra\n@web\n");
});
