// Commands that lock the stage say so when the stage does not exist yet, instead of failing to create
// a lock file in a directory nobody made.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { CommandContext } from "../../../src/cli/command-context.js";
import { stageCommand } from "../../../src/cli/commands/stage.js";
import { CliError, ExitCode } from "../../../src/cli/exit-codes.js";

const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-stage-missing-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const stage = path.join(dir, "stages", "amd64");
const configFile = path.join(dir, "binpkgbot.yml");
writeFileSync(configFile, [
  `stage: ${stage}`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${dir}/gentoo`, `pkgdir: ${dir}/packages`,
  `state_dir: ${dir}/state`, "sync: false", "tasks:", "  - install: app-misc/hello", "",
].join("\n"));

function context(args: string[]): CommandContext {
  return {
    configFile, args, stdout: () => assert.fail("nothing is printed"), stderr: () => assert.fail("nothing is printed"),
    exec: { run: async () => assert.fail("no command runs") }, env: {}, now: () => new Date(0),
  };
}

describe("stage commands on a stage that does not exist", () => {
  for (const sub of ["clean", "resume", "rollback"]) {
    it(`stage ${sub} names the missing stage and stage init, exit 4`, async () => {
      await assert.rejects(stageCommand(context([sub]), new AbortController().signal), (error: unknown) => {
        assert.ok(error instanceof CliError);
        assert.equal(error.exitCode, ExitCode.host);
        assert.equal(error.message, `the stage ${stage} does not exist (${path.dirname(stage)} is missing): binpkgbot stage init --from STAGE3.tar.xz makes it`);
        return true;
      });
    });
  }
});
