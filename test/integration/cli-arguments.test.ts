// The command line as a person meets it: the built CLI in a child process. Unknown arguments are a
// usage error with binpkgbot's own message, a closed pipe on stdout ends a command quietly with its
// usual exit code, and every command validates the config before it does anything.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { repoRoot } from "../support/fixtures.js";

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");
const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-cli-args-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const configFile = path.join(dir, "binpkgbot.yml");
writeFileSync(configFile, [
  `stage: ${dir}/stage`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${dir}/gentoo`, `pkgdir: ${dir}/packages`,
  `state_dir: ${dir}/state`, "sync: false", "tasks:", "  - install: {atom: app-misc/hello, name: hello}", "",
].join("\n"));
const invalidConfig = path.join(dir, "invalid.yml");
writeFileSync(invalidConfig, "stage: 1\n");

function binpkgbot(args: string[], config = configFile): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args, "-c", config], { encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the command with its stdout a pipe whose reader is gone before the first write (`… | true`). */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args, "-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

const STACK_TRACE = /^\s+at |Error: write EPIPE|node:events/m;

describe("binpkgbot's command line", () => {
  it("ends quietly with the usual exit code when stdout's reader has gone", async () => {
    for (const args of [["plan"], ["plan", "--json"], ["plan", "--verbose"], ["validate"], ["history"], ["status"], ["packages"], ["stage", "list"], ["doctor"], ["help"], ["--version"]]) {
      const usual = binpkgbot(args);
      const closed = await withClosedStdout(args);
      assert.doesNotMatch(closed.stderr, STACK_TRACE, `binpkgbot ${args.join(" ")} | true`);
      assert.equal(closed.code, usual.code, `binpkgbot ${args.join(" ")} | true exits as without the pipe`);
    }
  });

  it("rejects arguments a command does not know with exit 2, in one line of its own words", () => {
    const cases: [string[], RegExp][] = [
      [["validate", "--frob"], /^binpkgbot: validate: unknown option --frob \(binpkgbot validate --help lists what it takes\)$/m],
      [["validate", "extra"], /^binpkgbot: validate: unexpected argument 'extra'/],
      [["validate", "--json"], /^binpkgbot: validate: unknown option --json/],
      [["doctor", "--verbose"], /^binpkgbot: doctor: unknown option --verbose/],
      [["history", "--limit"], /^binpkgbot: history: --limit needs a value/],
      [["status", "--json=yes"], /^binpkgbot: status: --json takes no value/],
      [["install-units", "--prefix", dir, "--dry-run"], /^binpkgbot: install-units: unknown option --dry-run/],
    ];
    for (const [args, message] of cases) {
      const result = binpkgbot(args);
      assert.equal(result.code, 2, `binpkgbot ${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trimEnd().split("\n").length, 1, "one line");
      assert.doesNotMatch(result.stderr, /To specify a positional argument|Unknown option/, "not Node's parser text");
      assert.equal(result.stdout, "", "nothing done");
    }
  });

  it("suggests the command or option meant by a typo", () => {
    const plan = binpkgbot(["plna"]);
    assert.equal(plan.code, 2);
    assert.match(plan.stderr, /^binpkgbot: unknown command 'plna': did you mean plan\? \(binpkgbot help lists the commands\)$/m);
    const failFast = binpkgbot(["--fail-fats"]);
    assert.equal(failFast.code, 2);
    assert.match(failFast.stderr, /unknown option --fail-fats: did you mean --fail-fast\?/);
    assert.match(binpkgbot(["prune", "--dryrun"]).stderr, /did you mean --dry-run\?/);
  });

  it("answers binpkgbot help and binpkgbot help COMMAND", () => {
    const help = binpkgbot(["help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^usage: binpkgbot \[COMMAND\]/);
    const planHelp = binpkgbot(["help", "plan"]);
    assert.equal(planHelp.code, 0, planHelp.stderr);
    assert.match(planHelp.stdout, /^usage: binpkgbot plan /);
  });

  it("install-units refuses an invalid config with exit 3 and installs nothing", () => {
    const prefix = path.join(dir, "units");
    const result = binpkgbot(["install-units", "--prefix", prefix], invalidConfig);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /invalid\.yml:1:\d+: stage: expected a string/);
    assert.equal(existsSync(prefix), false, "no unit written");
  });

  it("install-units --prefix naming a file says so, without suggesting root", () => {
    const file = path.join(dir, "a-file");
    writeFileSync(file, "");
    const result = binpkgbot(["install-units", "--prefix", file]);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /--prefix must be a directory/);
    assert.doesNotMatch(result.stderr, /as root/);
  });
});

describe("nothing recorded yet", () => {
  it("is exit 0 with one line saying so, for every reading command", () => {
    const cases: [string[], RegExp][] = [
      [["status"], /^no run recorded yet in .*\/state: start one with binpkgbot run$/m],
      [["history"], /^no task result recorded yet in .*\/state: binpkgbot run records one$/m],
      [["history", "--task", "hello"], /^no result of task 'hello' recorded yet in .*\/state/m],
      [["log", "hello"], /^no log of task 'hello' recorded yet in .*\/state: binpkgbot run records one$/m],
      [["stage", "list"], /^.*\/stage does not exist yet: binpkgbot stage init --from STAGE3\.tar\.xz makes it$/m],
      [["packages"], /^pkgdir .*\/packages does not exist yet: binpkgbot run builds packages into it/m],
    ];
    for (const [args, message] of cases) {
      const result = binpkgbot(args);
      assert.equal(result.code, 0, `binpkgbot ${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stdout, message, `binpkgbot ${args.join(" ")}`);
    }
  });

  it("differs from a task that does not exist: exit 2 naming the tasks", () => {
    for (const args of [["history", "--task", "NOSUCH"], ["log", "NOSUCH"]]) {
      const result = binpkgbot(args);
      assert.equal(result.code, 2, `binpkgbot ${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /NOSUCH: no such task in .*binpkgbot\.yml or in the history; the tasks are: hello$/m);
    }
  });
});

describe("messages", () => {
  it("prune on a stage whose directory does not exist names the missing stage and gives the fix once", () => {
    const config = path.join(dir, "no-stage-dir.yml");
    writeFileSync(config, `stage: ${dir}/missing/stage\netc_portage: ${dir}/e\nportage_repo: ${dir}/g\npkgdir: ${dir}/packages\nstate_dir: ${dir}/state\nsync: false\n`);
    const result = binpkgbot(["prune"], config);
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stderr, /^binpkgbot: the stage .*missing\/stage does not exist \(.*missing is missing\): binpkgbot stage init --from STAGE3\.tar\.xz makes it$/m);
    assert.equal(result.stderr.split("stage init").length - 1, 1, result.stderr);
  });
});
