// Two configs on one host with the default state_dir never share a database, logs or daemon memory.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Config } from "../../../src/config/config.js";
import { defaultStateDir } from "../../../src/config/default-state-dir.js";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { memoryFiles } from "../../support/memory-files.js";

const BODY = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function load(file: string, files: Record<string, string>, links: Record<string, string> = {}): Config {
  const result = loadConfig(file, memoryFiles(files, links));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result.config;
}

test("two configs without state_dir get two state directories, named after the file", () => {
  const files = { "/etc/binpkgbot/desktop.yml": BODY, "/etc/binpkgbot/server.yml": BODY, "/srv/other/desktop.yml": BODY };
  const desktop = load("/etc/binpkgbot/desktop.yml", files).stateDir;
  const server = load("/etc/binpkgbot/server.yml", files).stateDir;
  const otherDesktop = load("/srv/other/desktop.yml", files).stateDir;
  assert.match(desktop, /^\/var\/lib\/binpkgbot\/desktop-[0-9a-f]{8}$/);
  assert.match(server, /^\/var\/lib\/binpkgbot\/server-[0-9a-f]{8}$/);
  assert.equal(new Set([desktop, server, otherDesktop]).size, 3, "the same file name in another directory is another config");
});

test("the default state directory follows the config's real path, so a symlink to it shares its history", () => {
  const files = { "/etc/binpkgbot/binpkgbot.yml": BODY, "/srv/stages/amd64.yml": BODY };
  const viaLink = load("/etc/binpkgbot/binpkgbot.yml", files, { "/etc/binpkgbot/binpkgbot.yml": "/srv/stages/amd64.yml" }).stateDir;
  assert.equal(viaLink, load("/srv/stages/amd64.yml", files).stateDir);
  assert.equal(viaLink, defaultStateDir("/srv/stages/amd64.yml"));
});

test("an explicit state_dir is used as written, relative to the config file", () => {
  assert.equal(load("/etc/binpkgbot/binpkgbot.yml", { "/etc/binpkgbot/binpkgbot.yml": `${BODY}state_dir: ../../var/state\n` }).stateDir, "/var/state");
});

test("names with odd characters stay one safe path segment", () => {
  assert.match(defaultStateDir("/etc/binpkgbot/my stage (x86).yaml"), /^\/var\/lib\/binpkgbot\/my_stage_x86_-[0-9a-f]{8}$/);
  assert.match(defaultStateDir("/etc/binpkgbot/.yml"), /^\/var\/lib\/binpkgbot\/config-[0-9a-f]{8}$/);
});
