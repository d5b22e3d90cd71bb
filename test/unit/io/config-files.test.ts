// The disk side of config loading, on a temporary directory: what an include glob may match.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { MAX_GLOB_PATHS } from "../../../src/config/limits.js";
import { loadConfig } from "../../../src/config/load.js";
import { diskConfigFiles, readConfigFile } from "../../../src/io/config-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-config-files-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function problems(root: string): string[] {
  const result = loadConfig(root, diskConfigFiles);
  if (result.ok) assert.fail("the config must be rejected");
  return result.issues.map(formatIssue);
}

test("an include glob matching a file name that is not UTF-8 is an error at the include, naming the file", (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}tasks:\n  - include: d/*.yml\n`);
  mkdirSync(path.join(dir, "d"));
  writeFileSync(path.join(dir, "d", "b.yml"), "- install: app-misc/b\n");
  writeFileSync(Buffer.concat([Buffer.from(path.join(dir, "d", "caf")), Buffer.from([0xe9]), Buffer.from(".yml")]), "- install: app-misc/c\n");
  assert.deepEqual(problems(root), [`${root}:6:14: tasks[0].include: cannot expand 'd/*.yml': the name of ${dir}/d/caf\\xe9.yml is not valid UTF-8; rename the file`]);
});

test("an include glob matching a file name with a newline is an error at the include", (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}tasks:\n  - include: '*.inc'\n`);
  writeFileSync(path.join(dir, "a\nb.inc"), "- install: app-misc/a\n");
  assert.deepEqual(problems(root), [`${root}:6:14: tasks[0].include: cannot expand '*.inc': the name of ${dir}/"a\\nb.inc" holds a control character; rename the file`]);
});

test("an include pattern that reaches more paths than the limit is refused", (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}tasks:\n  - include: d/*/x.yml\n`);
  for (let i = 0; i <= MAX_GLOB_PATHS; i++) mkdirSync(path.join(dir, "d", String(i)), { recursive: true });
  assert.deepEqual(problems(root), [`${root}:6:14: tasks[0].include: cannot expand 'd/*/x.yml': it reaches more than ${MAX_GLOB_PATHS} paths (the limit); name the directories more exactly`]);
});

test("a directory or a device is refused as a config file before it is read", (t) => {
  const dir = tempDir(t);
  assert.throws(() => readConfigFile(dir, 100), { message: "is a directory, not a regular file; a config file must be a regular file" });
  assert.throws(() => readConfigFile("/dev/zero", 100), { message: "is a character device, not a regular file; a config file must be a regular file" });
});

test("a regular file is read up to one byte over the limit, no further", (t) => {
  const file = path.join(tempDir(t), "big.yml");
  writeFileSync(file, "x".repeat(200_000));
  assert.equal(readConfigFile(file, 100_000).length, 100_001);
  assert.equal(readConfigFile(file, 300_000).length, 200_000);
});
