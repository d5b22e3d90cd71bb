// Values a real admin may mean are accepted with a warning that says what happens; the config stays valid.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function warnings(text: string): string[] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result.warnings.map(formatIssue);
}

test("a config without risky values has no warnings", () => {
  assert.deepEqual(warnings(`${HEAD}emerge_options: ['--verbose', '--jobs=2', '--ask=n']\nbinds: [/srv/x, {rw: /var/tmp/y}]\n`), []);
});

test("--pretend, --fetchonly and --buildpkgonly are warnings that say what every emerge then does", () => {
  assert.deepEqual(warnings(`${HEAD}emerge_options: ['--pretend', '-f', '--buildpkgonly']\n`), [
    "/c/binpkgbot.yml:5:18: warning: emerge_options[0]: '--pretend': every emerge only shows what it would do: no binpkg is built, so every install task fails as variant-missing and upgrades succeed without building (binpkgbot plan shows a run without starting it)",
    "/c/binpkgbot.yml:5:31: warning: emerge_options[1]: '-f' (--fetchonly): every emerge only downloads sources: no binpkg is built, so every install task fails as variant-missing and upgrades succeed without building (remove it unless the run is meant to fill distdir only)",
    "/c/binpkgbot.yml:5:37: warning: emerge_options[2]: '--buildpkgonly': packages are built but never merged: upgrades leave the stage as it was, and a package a later one depends on is built again each time (remove it; throw-away install tasks already leave the stage untouched)",
  ]);
});

test("a bind of one file into /etc/portage is a warning: it takes the place of etc_portage's file", () => {
  const [line, ...rest] = warnings(`${HEAD}binds:\n  - {from: /srv/repos.conf, to: /etc/portage/repos.conf}\n`);
  assert.deepEqual(rest, []);
  assert.match(line ?? "", /^\/c\/binpkgbot.yml:6:33: warning: binds\[0\]\.to: this bind takes the place of \/etc\/portage\/repos.conf from etc_portage/);
});
