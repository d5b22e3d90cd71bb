// Every command that works on one config, given a fleet file with -c, stops before doing anything and
// says so: exit 2, naming each target's config to give instead.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { CommandContext } from "../../../src/cli/command-context.js";
import { CliError, ExitCode } from "../../../src/cli/exit-codes.js";
import { coverageCommand } from "../../../src/cli/commands/coverage.js";
import { daemonCommand } from "../../../src/cli/commands/daemon.js";
import { dashboardCommand } from "../../../src/cli/commands/dashboard.js";
import { doctorCommand } from "../../../src/cli/commands/doctor.js";
import { historyCommand } from "../../../src/cli/commands/history.js";
import { installUnitsCommand } from "../../../src/cli/commands/install-units.js";
import { logCommand } from "../../../src/cli/commands/log.js";
import { packagesCommand } from "../../../src/cli/commands/packages.js";
import { pruneCommand } from "../../../src/cli/commands/prune.js";
import { publishCommand } from "../../../src/cli/commands/publish.js";
import { releasesCommand } from "../../../src/cli/commands/releases.js";
import { stageCommand } from "../../../src/cli/commands/stage.js";

const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-one-target-"));
after(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, "a.yml"), `stage: ${dir}/stage\netc_portage: /e\nportage_repo: /r\npkgdir: ${dir}/packages\nstate_dir: ${dir}/state\n`);
const fleet = path.join(dir, "fleet.yml");
writeFileSync(fleet, "targets:\n  a: {config: a.yml, labels: {arch: amd64, profile: p}}\n");

type Command = (context: CommandContext, signal: AbortSignal) => Promise<number>;
const COMMANDS: [string, Command, string[]][] = [
  ["history", historyCommand, []], ["log", logCommand, ["sync"]], ["stage list", stageCommand, ["list"]], ["doctor", doctorCommand, []],
  ["packages", packagesCommand, []], ["prune", pruneCommand, ["--dry-run"]], ["coverage", coverageCommand, []], ["publish", publishCommand, []],
  ["releases", releasesCommand, []], ["dashboard", dashboardCommand, []], ["install-units", installUnitsCommand, ["--prefix", dir]], ["daemon", daemonCommand, []],
];

for (const [name, command, args] of COMMANDS) {
  test(`${name} -c FLEET: exit 2, naming the targets' configs`, async () => {
    const lines: string[] = [];
    const context: CommandContext = {
      configFile: fleet, args, stdout: (line) => lines.push(line), stderr: (line) => lines.push(line), env: {}, now: () => new Date(0),
      exec: { run: () => assert.fail("nothing may run") } as unknown as CommandContext["exec"],
    };
    const error = await command(context, new AbortController().signal).then(() => assert.fail(`it ran: ${lines.join("\n")}`), (caught: unknown) => caught);
    assert.ok(error instanceof CliError, String(error));
    assert.equal(error.exitCode, ExitCode.usage);
    assert.equal(error.message, `${fleet} is a fleet file (it has targets:), and this command works on one target: give that target's binpkgbot.yml with -c (a: -c ${path.join(dir, "a.yml")}); run, plan, validate, status, serve and client-config --target take the fleet file`);
  });
}
