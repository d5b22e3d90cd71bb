// The README documents every config key and every exit code; these tests keep it from drifting.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { renderJsonSchema } from "../../src/config/schema.js";
import { ExitCode } from "../../src/cli/exit-codes.js";
import { FAILURE_CLASSES } from "../../src/failure/failure.js";
import { repoRoot } from "../support/fixtures.js";

const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");

test("the README's first lines give the install-and-plan command and the test command of .ci/run", () => {
  const head = readme.split("\n").slice(0, 6).join("\n");
  assert.match(head, /npm ci && npm install -g \. && binpkgbot plan -c examples\/binpkgbot\.yml/);
  assert.match(head, /^npm test\b/m);
  assert.match(readFileSync(path.join(repoRoot, ".ci", "run"), "utf8"), /^npm test\b/m);
});

test("every config key is in the README's table", () => {
  const keys = Object.keys((renderJsonSchema() as { properties: Record<string, unknown> }).properties);
  for (const key of keys) assert.match(readme, new RegExp(`^\\| \`${key}\` \\|`, "m"), `README documents ${key}`);
});

test("every exit code is in the README's table", () => {
  for (const [name, code] of Object.entries(ExitCode)) assert.match(readme, new RegExp(`^\\| ${code} \\|`, "m"), `README documents exit code ${code} (${name})`);
});

test("every failure class is in the README's table", () => {
  for (const name of FAILURE_CLASSES) assert.match(readme, new RegExp(`^\\| [^|]*\`${name}\`[^|]* \\|`, "m"), `README says what to do for ${name}`);
});

test("the README lists the prerequisites, a copying install with its upgrade, and how prune relates to Portage's tools", () => {
  for (const needle of ["net-libs/nodejs[npm]", "systemd-nspawn", "btrfs-progs", "python3", "make", "C++ compiler",
    "npm pack", "npm install -g ./binpkgbot-", "To upgrade", "eclean-pkg", "emaint binhost --fix", "croner", "StrykerJS"]) {
    assert.ok(readme.includes(needle), `README mentions ${needle}`);
  }
});
