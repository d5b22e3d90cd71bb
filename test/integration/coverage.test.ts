// binpkgbot coverage in real systemd-nspawn containers over the test stage, with the emerge double's
// --pretend --usepkg output (test/integration/stage-double/lib/merge.sh): from a USE difference to 0 to compile.
import assert from "node:assert/strict";
import { cp, mkdir, readdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, readRecords, runCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

/** A server's copies: the admin's etc_portage plus make.conf lines, and a world file. */
async function serverCopies(world: World, name: string, makeConf: string, worldText: string): Promise<string> {
  const dir = path.join(world.root, "servers", name);
  await mkdir(dir, { recursive: true });
  await cp(world.etcPortage, path.join(dir, "portage"), { recursive: true });
  await writeFile(path.join(dir, "portage", "make.conf"), `FEATURES="binpkg-multi-instance"\n${makeConf}`);
  await writeFile(path.join(dir, "world"), worldText);
  return dir;
}

const serversSection = ["servers:",
  "  - {name: web1, etc_portage: servers/web1/portage, world: servers/web1/world}",
  "  - {name: web2, etc_portage: servers/web2/portage, world: servers/web2/world}"];

test("coverage: one server covered, one with other USE; --suggest's task run; then 0 to compile for both", { skip, timeout: 240_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  await serverCopies(world, "web1", "", "app-misc/flags\n");
  await serverCopies(world, "web2", 'USE="doc"\n', "app-misc/flags\n");
  const writeConfig = (tasks: string[]) => writeFile(world.config, configText(world, ["sync: false", ...serversSection, "tasks:", ...tasks, ""].join("\n")));
  await writeConfig(["  - install: app-misc/flags"]);
  const built = await runCli(["run", "-c", world.config]);
  assert.equal(built.code, 0, built.stdout + built.stderr);

  const before = await runCli(["coverage", "--suggest", "-c", world.config]);
  assert.equal(before.code, 1, before.stdout + before.stderr);
  const lines = before.stdout.split("\n");
  assert.deepEqual(lines.slice(0, 4), [
    "web1: 1 from binpkgs, 0 to compile",
    "web2: 0 from binpkgs, 1 to compile",
    "  app-misc/flags-1.0: binpkgs of this version have other USE: wanted 'doc', available '-doc'",
    "",
  ]);
  const task = lines.find((line) => line.startsWith("- install:"));
  assert.equal(task, "- install: {atom: app-misc/flags, use: 'doc'}");

  const json = JSON.parse((await runCli(["coverage", "web2", "--json", "-c", world.config])).stdout) as { version: number; covered: boolean; servers: { server: string; status: string }[] };
  assert.deepEqual([json.version, json.covered, json.servers.map((server) => [server.server, server.status])], [1, false, [["web2", "uncovered"]]]);

  await writeConfig(["  - install: app-misc/flags", `  ${task ?? ""}`]);
  const variant = await runCli(["run", "-c", world.config]);
  assert.equal(variant.code, 0, variant.stdout + variant.stderr);
  const after = await runCli(["coverage", "-c", world.config]);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.deepEqual(after.stdout.trim().split("\n"), ["web1: 1 from binpkgs, 0 to compile", "web2: 1 from binpkgs, 0 to compile"]);
  assert.deepEqual(await readdir(path.join(world.stateDir, "work")).catch(() => []), [], "no work files left");
});

test("coverage: another arch needs its own stage; a reporting server is read from its last report, or is not checked without one", { skip, timeout: 240_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  await writeFile(path.join(world.repo, "profiles", "profiles.desc"), "amd64 default/linux/amd64/23.0 stable\narm64 default/linux/arm64/23.0 stable\n");
  const arm = await serverCopies(world, "arm1", "", "app-misc/flags\n");
  await symlink("../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0", path.join(world.etcPortage, "make.profile"));
  await symlink("../../var/db/repos/gentoo/profiles/default/linux/arm64/23.0", path.join(arm, "portage", "make.profile"));
  // What binpkgbot serve keeps of a server's last report: state_dir/servers/NAME/{etc/portage,var/lib/portage/…,report.json}.
  const reported = path.join(world.stateDir, "servers", "db1");
  await cp(world.etcPortage, path.join(reported, "etc", "portage"), { recursive: true, verbatimSymlinks: true });
  await mkdir(path.join(reported, "var", "lib", "portage"), { recursive: true });
  await writeFile(path.join(reported, "var", "lib", "portage", "world"), "app-misc/flags\n");
  await writeFile(path.join(reported, "report.json"), JSON.stringify({ format: 1, name: "db1", emergeInfo: { ok: false, problem: "no emerge" }, links: [], skipped: [] }));
  await writeFile(world.config, configText(world, ["sync: false", "servers:",
    "  - {name: arm1, etc_portage: servers/arm1/portage, world: servers/arm1/world}",
    "  - {name: db1, report: true, token_file: db1.token}",
    "  - {name: db2, report: true, token_file: db2.token}",
    "tasks:", "  - install: app-misc/flags", ""].join("\n")));
  const built = await runCli(["run", "-c", world.config]);
  assert.equal(built.code, 0, built.stdout + built.stderr);
  const result = await runCli(["coverage", "-c", world.config]);
  assert.equal(result.code, 4, result.stdout + result.stderr);
  assert.deepEqual(result.stdout.trim().split("\n"), [
    "arm1: needs its own stage: its profile default/linux/arm64/23.0 is for arm64, the stage's default/linux/amd64/23.0 for amd64",
    "db1: 1 from binpkgs, 0 to compile",
    `db2: not checked: no report from it yet in ${path.join(world.stateDir, "servers", "db2")}: on the server, run binpkgbot report (binpkgbot client-config --report sets it up)`,
  ]);
  assert.equal((await runCli(["coverage", "db1", "-c", world.config])).code, 0, "db1 alone is covered");
});

test("a server: task builds the server's variant with its /etc/portage and world; coverage then finds 0 to compile, as status shows; a second run skips it", { skip, timeout: 240_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  await serverCopies(world, "web2", 'USE="doc"\n', "app-misc/flags\n");
  const writeConfig = (tasks: string[]) => writeFile(world.config, configText(world, ["sync: false", "servers:",
    "  - {name: web2, etc_portage: servers/web2/portage, world: servers/web2/world}", "tasks:", ...tasks, ""].join("\n")));
  await writeConfig(["  - install: app-misc/flags"]);
  const built = await runCli(["run", "-c", world.config]);
  assert.equal(built.code, 0, built.stdout + built.stderr);
  const before = await runCli(["coverage", "-c", world.config]);
  assert.equal(before.code, 1, before.stdout + before.stderr);
  assert.equal(before.stdout.split("\n")[0], "web2: 0 from binpkgs, 1 to compile");

  await writeConfig(["  - install: app-misc/flags", "  - server: web2"]);
  const seen = (await readRecords(world)).length;
  const served = await runCli(["run", "-c", world.config]);
  assert.equal(served.code, 0, served.stdout + served.stderr);
  const [record, ...more] = (await readRecords(world)).slice(seen);
  assert.equal(more.length, 0, "install-app-misc-flags is unchanged and skipped; only the server task ran emerge");
  assert.deepEqual(record?.argv, ["--usepkg", "--emptytree", "--oneshot", "@world"]);
  assert.match(record?.portage ?? "", /==> make\.conf <==\nFEATURES="binpkg-multi-instance"\nUSE="doc"\n/, "the server's make.conf, not the admin's");

  const after = await runCli(["coverage", "-c", world.config]);
  assert.equal(after.code, 0, after.stdout + after.stderr);
  assert.deepEqual(after.stdout.trim().split("\n"), ["web2: 1 from binpkgs, 0 to compile"]);
  const status = await runCli(["status", "--json", "-c", world.config]);
  const servers = (JSON.parse(status.stdout) as { servers: { server: string; status: string; toCompile: number }[] }).servers;
  assert.deepEqual(servers.map((server) => [server.server, server.status, server.toCompile]), [["web2", "covered", 0]], "status keeps the latest check");
  const again = await runCli(["run", "-c", world.config]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /^server-web2\s+skipped\s+-\s+unchanged since its last success \(fingerprint [0-9a-f]{12}\)/m);
  assert.equal((await readRecords(world)).length, seen + 1, "the second run ran no emerge");
  assert.deepEqual(await readdir(path.join(world.stateDir, "work")).catch(() => []), [], "no work files left");
});
