// `binpkgbot validate` prints warnings on stderr and still calls the config valid (exit 0).
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { validateCommand } from "../../../src/cli/commands/validate.js";
import type { CommandContext } from "../../../src/cli/command-context.js";
import { fixture } from "../../support/fixtures.js";

test("validate prints each warning with its position and exits 0", async () => {
  const dir = fixture("validate-warnings");
  const stdout: string[] = [];
  const stderr: string[] = [];
  const context: CommandContext = {
    configFile: path.join(dir, "binpkgbot.yml"), args: [], stdout: (line) => stdout.push(line), stderr: (line) => stderr.push(line),
    exec: { run: () => assert.fail("validate starts nothing") }, env: {}, now: () => new Date(0),
  };
  assert.equal(await validateCommand(context), 0);
  assert.deepEqual(stderr.map((line) => line.replace(`${dir}/`, "").replace(/: warning: ([^:]+):.*/, ": warning: $1")), [
    "binpkgbot.yml:5:31: warning: emerge_options[1]",
    "binpkgbot.yml:7:33: warning: binds[0].to",
  ]);
  assert.deepEqual(stdout, [`${path.join(dir, "binpkgbot.yml")}: valid (1 task from 1 file)`]);
});
