// publish, releases_dir and releases_keep as loadConfig reads them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import type { ReleaseSettings } from "../../../src/config/config.js";
import { formatIssue } from "../../../src/config/issues.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function releases(text: string): ReleaseSettings | undefined | string[] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": HEAD + text }));
  return result.ok ? result.config.releases : result.issues.map(formatIssue);
}

test("without a publish key nothing is published automatically, and releases live beside pkgdir", () => {
  assert.deepEqual(releases(""), { dir: "/p.releases", keep: 10, publish: null });
});

test("publish: auto publishes successful runs; {when} picks the condition; releases_dir and releases_keep are taken", () => {
  assert.deepEqual(releases("publish: auto\n"), { dir: "/p.releases", keep: 10, publish: "success" });
  assert.deepEqual(releases("publish: {}\n"), { dir: "/p.releases", keep: 10, publish: "success" });
  assert.deepEqual(releases("publish: {when: always}\nreleases_dir: rel\nreleases_keep: 3\n"), { dir: "/c/rel", keep: 3, publish: "always" });
  assert.deepEqual(releases("publish: {when: covered}\n"), { dir: "/p.releases", keep: 10, publish: "covered" });
});

test("a wrong publish value or condition names its key and the choices", () => {
  assert.match(String(releases("publish: yes-please\n")), /publish: 'yes-please' is not a publish setting.*publish: auto, or publish: \{when: success\|always\|covered\}/);
  assert.match(String(releases("publish: {when: sometimes}\n")), /publish\.when: 'sometimes' is not a publish condition.*success, always, covered/);
  assert.match(String(releases("releases_keep: 0\n")), /releases_keep/);
});

test("releases_dir inside pkgdir (or around it) is refused: prune would delete release files as unlisted binpkgs", () => {
  for (const dir of ["/p/releases", "/p", "/"]) {
    assert.match(String(releases(`releases_dir: ${dir}\n`)), /releases_dir: '.*' overlaps pkgdir \/p.*beside pkgdir/, dir);
  }
  assert.deepEqual(releases("releases_dir: /p2\n"), { dir: "/p2", keep: 10, publish: null });
});
