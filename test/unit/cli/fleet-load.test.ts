// -c takes a binpkgbot.yml or a fleet file: commands across targets load either, --target picks one,
// and a command that works on one config says what to give it instead of a fleet.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { CliError, ExitCode } from "../../../src/cli/exit-codes.js";
import { clientTarget } from "../../../src/cli/fleet/fleet-client-config.js";
import { loadConfigOrFleetOrFail } from "../../../src/cli/fleet/load-fleet.js";
import { loadConfigOrFail } from "../../../src/cli/load-config.js";

const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-fleet-load-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const config = (name: string): string => `stage: /v/${name}/stage\netc_portage: /e\nportage_repo: /r\npkgdir: /v/${name}/packages\n`;
writeFileSync(path.join(dir, "a.yml"), config("a"));
writeFileSync(path.join(dir, "b.yml"), config("b"));
const fleet = path.join(dir, "fleet.yml");
writeFileSync(fleet, "targets:\n  a: {config: a.yml, labels: {arch: amd64, profile: p}}\n  b: {config: b.yml, labels: {arch: arm64, profile: q}}\n");

function cliError(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  return assert.fail("expected a CliError");
}

test("a fleet loads with every target, or the one --target names; a config loads as before", () => {
  const loaded = loadConfigOrFleetOrFail(fleet, undefined);
  assert.equal(loaded.kind, "fleet");
  if (loaded.kind === "fleet") assert.deepEqual(loaded.entries.map((e) => [e.target.name, e.config.stage]), [["a", "/v/a/stage"], ["b", "/v/b/stage"]]);
  const picked = loadConfigOrFleetOrFail(fleet, "b");
  if (picked.kind === "fleet") assert.deepEqual(picked.entries.map((e) => e.target.name), ["b"]);
  const single = loadConfigOrFleetOrFail(path.join(dir, "a.yml"), undefined);
  assert.equal(single.kind === "config" && single.config.stage, "/v/a/stage");
});

test("--target: an unknown name with a guess, and a single config refusing it", () => {
  const unknown = cliError(() => loadConfigOrFleetOrFail(fleet, "bb"));
  assert.equal(unknown.exitCode, ExitCode.usage);
  assert.equal(unknown.message, `--target bb: no such target in ${fleet}: did you mean b? (the targets: a, b)`);
  const single = cliError(() => loadConfigOrFleetOrFail(path.join(dir, "a.yml"), "a"));
  assert.equal(single.exitCode, ExitCode.usage);
  assert.match(single.message, /is one binpkgbot\.yml, not a fleet file; --target picks a target of a fleet file/);
});

test("an invalid fleet is a config error with every problem's position", () => {
  const bad = path.join(dir, "bad-fleet.yml");
  writeFileSync(bad, "targets:\n  a: {config: a.yml, labels: {arch: amd64}}\n");
  const error = cliError(() => loadConfigOrFleetOrFail(bad, undefined));
  assert.equal(error.exitCode, ExitCode.config);
  assert.equal(error.message, `${bad}:2:30: targets.a.labels: missing required label 'profile' (add e.g. profile: default/linux/amd64/23.0/systemd)\n1 problem in the fleet; nothing was started`);
});

test("a command on one config, given a fleet file, names each target's config", () => {
  const error = cliError(() => loadConfigOrFail(fleet));
  assert.equal(error.exitCode, ExitCode.usage);
  assert.equal(error.message, `${fleet} is a fleet file (it has targets:), and this command works on one target: give that target's binpkgbot.yml with -c ` +
    `(a: -c ${path.join(dir, "a.yml")}; b: -c ${path.join(dir, "b.yml")}); run, plan, validate, status, serve and client-config --target take the fleet file`);
});

test("client-config: a fleet needs --target, whose path on the binhost the URL gets", () => {
  const error = cliError(() => clientTarget(loadConfigOrFleetOrFail(fleet, undefined), "http://h:8736", undefined));
  assert.equal(error.message, `${fleet} is a fleet file: a client uses one target's binhost, so give --target NAME (the targets: a, b)`);
  const picked = clientTarget(loadConfigOrFleetOrFail(fleet, "b"), "http://h:8736/", "b");
  assert.deepEqual([picked.url, picked.config?.stage], ["http://h:8736/b", "/v/b/stage"]);
  assert.equal(cliError(() => clientTarget(undefined, "http://h", "b")).exitCode, ExitCode.usage);
});

test("coordinator -c FLEET reads the fleet with the fleet loader: its problems, with positions, before any Redis", async () => {
  const { spawnSync } = await import("node:child_process");
  const { repoRoot } = await import("../../support/fixtures.js");
  const bad = path.join(dir, "bad-fleet.yml");
  writeFileSync(bad, "targets:\n  a: {config: a.yml, labels: {arch: amd64}}\n");
  const result = spawnSync(process.execPath, [path.join(repoRoot, "build/src/cli/main.js"), "coordinator", "-c", bad, "--redis", "redis://127.0.0.1:1"], { encoding: "utf8" });
  assert.equal(result.status, ExitCode.config, result.stderr);
  assert.match(result.stderr, new RegExp(`${bad}:2:\\d+: targets\\.a\\.labels: missing required label .profile.`));
  assert.match(result.stderr, /problem in the fleet; nothing was started/);
});
