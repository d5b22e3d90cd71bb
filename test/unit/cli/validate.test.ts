// `binpkgbot validate` prints warnings on stderr and still calls the config valid (exit 0).
import assert from "node:assert/strict";
import { cp, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { validateCommand } from "../../../src/cli/commands/validate.js";
import type { CommandContext } from "../../../src/cli/command-context.js";
import { fixture } from "../../support/fixtures.js";

/** `binpkgbot validate` on a fixture's binpkgbot.yml: its exit code and what it printed. */
async function validateIn(dir: string): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: CommandContext = {
    configFile: path.join(dir, "binpkgbot.yml"), args: [], stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line),
    exec: { run: () => assert.fail("validate starts nothing") }, env: {}, now: () => new Date(0),
  };
  return { code: await validateCommand(context), stdout, stderr };
}

test("validate prints each warning with its position and exits 0", async () => {
  const dir = fixture("validate-warnings");
  const { code, stdout, stderr } = await validateIn(dir);
  assert.equal(code, 0);
  assert.deepEqual(stderr.map((line) => line.replace(`${dir}/`, "").replace(/: warning: ([^:]+):.*/, ": warning: $1")), [
    "binpkgbot.yml:5:31: warning: emerge_options[1]",
    "binpkgbot.yml:7:33: warning: binds[0].to",
  ]);
  assert.deepEqual(stdout, [`${path.join(dir, "binpkgbot.yml")}: valid (1 task from 1 file)`]);
});

test("with portage_repo readable, validate warns about modifiers that can have no effect there, each at its entry", async (t) => {
  // The fixture's repository: ffmpeg's IUSE from metadata/md5-cache (its ebuild inherits an eclass, so
  // its own IUSE would not be judged), app-misc/stable's from its ebuild; ARCH from etc-portage/make.profile.
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-modifier-effects-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(fixture("modifier-effects"), dir, { recursive: true });
  // As eselect profile makes it: relative, to a profile directory the repository's profiles.desc lists.
  await symlink("../repo/profiles/default/linux/amd64/23.0", path.join(dir, "etc-portage", "make.profile"));
  const { code, stderr } = await validateIn(dir);
  assert.equal(code, 0);
  assert.deepEqual(stderr.map((line) => line.replaceAll(`${dir}/`, "")), [
    "binpkgbot.yml:8:47: warning: tasks[0].install.use[0]: USE flag 'x256' is not in the IUSE of media-video/ffmpeg (version 6.1) in repo, so Portage ignores it (did you mean 'x264' or 'x265'?)",
    "binpkgbot.yml:9:46: warning: tasks[1].install.use: USE flag 'x256' is not in the IUSE of media-video/ffmpeg (version 6.1) in repo, so Portage ignores it (did you mean 'x264' or 'x265'?)",
    "binpkgbot.yml:10:44: warning: tasks[2].install.use[0]: app-misc/stabel matches no package in repo (check the category, name and version; the repository may also need a sync)",
    "binpkgbot.yml:10:67: warning: tasks[2].install.use[1]: USE flag 'gkt' is not in the IUSE of app-misc/stable (version 1.0) in repo, so Portage ignores it (did you mean 'gtk'?)",
    "binpkgbot.yml:11:55: warning: tasks[3].install.accept_keywords: app-misc/stable (version 1.0) is already stable on amd64 (the ARCH of etc_portage's profile default/linux/amd64/23.0 in repo/profiles/profiles.desc), so accept_keywords changes nothing (remove it, or name the testing version the task needs, e.g. '=cat/pkg-2.0 ~amd64')",
    "binpkgbot.yml:11:69: warning: tasks[3].install.unmask: app-misc/stable (version 1.0) is not masked by repo/profiles/package.mask nor by etc_portage's package.mask, so unmask changes nothing (remove it; a package that needs a testing keyword takes accept_keywords, not unmask)",
    "binpkgbot.yml:12:64: warning: tasks[4].install.accept_keywords: >=media-video/ffmpeg-7 matches no version in repo (there: version 6.1) (check the category, name and version; the repository may also need a sync)",
  ]);
});
