// checkCoverage (src/coverage/check-coverage.ts) with a fake exec in place of systemd-nspawn: servers
// checked side by side up to the limit, each with its own world and /etc/portage, nothing left behind.
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { Config, Server } from "../../../src/config/config.js";
import { checkCoverage } from "../../../src/coverage/check-coverage.js";
import { serversCoverageCheck } from "../../../src/coverage/publish-coverage.js";
import type { Exec } from "../../../src/exec/exec.js";

async function setUp(count: number): Promise<{ root: string; config: Config; servers: Server[] }> {
  const root = await mkdtemp(path.join(tmpdir(), "coverage-"));
  const servers: Server[] = [];
  for (let index = 0; index < count; index++) {
    const dir = path.join(root, `s${index}`);
    await mkdir(path.join(dir, "portage"), { recursive: true });
    await writeFile(path.join(dir, "portage", "make.conf"), `USE="flag${index}"\n`);
    await writeFile(path.join(dir, "world"), `app-misc/pkg${index}\n`);
    servers.push({ name: `s${index}`, report: false, etcPortage: path.join(dir, "portage"), world: path.join(dir, "world"), sets: [], ignore: [] });
  }
  await mkdir(path.join(root, "admin"));
  const config = {
    stage: path.join(root, "stage"), etcPortage: path.join(root, "admin"), portageRepo: path.join(root, "repo"), portageRepoLocation: "/var/db/repos/gentoo",
    pkgdir: path.join(root, "pkgs"), pkgdirLocation: "/var/cache/binpkgs", stateDir: path.join(root, "state"), useSudo: false,
  } as Config;
  return { root, config, servers };
}

/** The host directory bound at `target` in an nspawn argv. */
function boundAt(argv: readonly string[], target: string): string {
  const bind = argv.find((arg) => arg.startsWith("--bind-ro=") && arg.endsWith(`:${target}`)) ?? "";
  return bind.slice("--bind-ro=".length, -(target.length + 1));
}

test("servers run side by side up to the limit, each container sees its own world and make.conf; work files go", async (t) => {
  const { root, config, servers } = await setUp(5);
  t.after(() => rm(root, { recursive: true, force: true }));
  let running = 0;
  let most = 0;
  const exec: Exec = {
    async run(argv) {
      running++;
      most = Math.max(most, running);
      const world = (await readFile(path.join(boundAt(argv, "/var/lib/portage"), "world"), "utf8")).trim();
      const makeConf = await readFile(path.join(boundAt(argv, "/etc/portage"), "make.conf"), "utf8");
      await new Promise((resolve) => setTimeout(resolve, 20));
      running--;
      const flag = /USE="(\w+)"/.exec(makeConf)?.[1] ?? "";
      return { argv, code: 0, signal: null, stdout: `[ebuild  N     ] ${world}-1.0  USE="${flag}" \n`, stderr: "" };
    },
  };
  const results = await checkCoverage(config, servers, { exec, systemdPid1: true, runId: "r1", concurrency: 2 });
  assert.equal(most, 2, "two at once, never more");
  assert.deepEqual(results.map((result) => result.status === "uncovered" && [result.server, result.compile[0]?.cpv, result.compile[0]?.use]), [
    ["s0", "app-misc/pkg0-1.0", ["flag0"]], ["s1", "app-misc/pkg1-1.0", ["flag1"]], ["s2", "app-misc/pkg2-1.0", ["flag2"]],
    ["s3", "app-misc/pkg3-1.0", ["flag3"]], ["s4", "app-misc/pkg4-1.0", ["flag4"]],
  ], "results in the config's order whatever finished first");
  assert.deepEqual(await readdir(path.join(config.stateDir, "work")), []);
});

test("a server whose copy is missing is an error of its own; the others are still checked", async (t) => {
  const { root, config, servers } = await setUp(2);
  t.after(() => rm(root, { recursive: true, force: true }));
  await rm(path.dirname((servers[0] as { world: string }).world), { recursive: true });
  const exec: Exec = { run: async (argv) => ({ argv, code: 0, signal: null, stdout: "[binary  N     ] app-misc/x-1.0-1 \n", stderr: "" }) };
  const results = await checkCoverage(config, servers, { exec, systemdPid1: true, runId: "r2" });
  assert.deepEqual(results.map((result) => [result.server, result.status]), [["s0", "error"], ["s1", "covered"]]);
  assert.match(results[0]?.status === "error" ? results[0].message : "", /^etc_portage \S+s0\/portage is not a directory: point it at the copy of the server's \/etc\/portage$/);
});

test("a reporting server: its last report's files, make.profile made again from report.json, world_sets kept; another ARCH needs its own stage", async (t) => {
  const { root, config, servers } = await setUp(1);
  t.after(() => rm(root, { recursive: true, force: true }));
  const stored = (name: string) => path.join(config.stateDir, "servers", name);
  const profile = (arch: string) => `../../var/db/repos/gentoo/profiles/default/linux/${arch}/23.0`;
  for (const [name, arch] of [["db1", "amd64"], ["db2", "arm64"]] as const) {
    await cp((servers[0] as { etcPortage: string }).etcPortage, path.join(stored(name), "etc", "portage"), { recursive: true });
    await mkdir(path.join(stored(name), "var", "lib", "portage"), { recursive: true });
    await writeFile(path.join(stored(name), "var", "lib", "portage", "world"), "app-misc/reported\n");
    await writeFile(path.join(stored(name), "var", "lib", "portage", "world_sets"), "@office\n");
    await writeFile(path.join(stored(name), "report.json"), JSON.stringify({
      format: 1, name, skipped: [], links: [{ path: "etc/portage/make.profile", target: profile(arch) }],
      emergeInfo: { ok: true, arch, chost: null, profile: null, cflags: null, cxxflags: null, portage: null },
    }));
  }
  await mkdir(path.join(config.portageRepo, "profiles"), { recursive: true });
  await writeFile(path.join(config.portageRepo, "profiles", "profiles.desc"), "amd64 default/linux/amd64/23.0 stable\n");
  const { symlink } = await import("node:fs/promises");
  await symlink(profile("amd64"), path.join(config.etcPortage, "make.profile"));
  const seen: string[] = [];
  const exec: Exec = {
    async run(argv) {
      const varLib = boundAt(argv, "/var/lib/portage");
      seen.push(await readlink(path.join(boundAt(argv, "/etc/portage"), "make.profile")), await readFile(path.join(varLib, "world"), "utf8"), await readFile(path.join(varLib, "world_sets"), "utf8"));
      return { argv, code: 0, signal: null, stdout: "[binary  N     ] app-misc/reported-1.0-1 \n", stderr: "" };
    },
  };
  const reporting: Server[] = ["db1", "db2"].map((name) => ({ name, report: true, tokenFile: "/t", sets: [], ignore: [] }));
  const results = await checkCoverage(config, reporting, { exec, systemdPid1: true, runId: "r3" });
  assert.deepEqual(results.map((result) => [result.server, result.status]), [["db1", "covered"], ["db2", "own-stage"]]);
  assert.deepEqual(seen, [profile("amd64"), "app-misc/reported\n", "@office\n"]);
});

test("publish.when: covered: no servers is no answer; one server that would compile keeps the run from publishing, named", async (t) => {
  const { root, config, servers } = await setUp(2);
  t.after(() => rm(root, { recursive: true, force: true }));
  // s1 would compile app-misc/pkg1; s0 gets everything as a binpkg.
  const exec: Exec = {
    async run(argv) {
      const world = (await readFile(path.join(boundAt(argv, "/var/lib/portage"), "world"), "utf8")).trim();
      const line = world.endsWith("pkg1") ? `[ebuild  N     ] ${world}-1.0  USE="x" \n` : `[binary  N     ] ${world}-1.0-1 \n`;
      return { argv, code: 0, signal: null, stdout: line, stderr: "" };
    },
  };
  const recorded: string[][] = [];
  const check = serversCoverageCheck({ exec, systemdPid1: true, runId: "r3" }, (results) => void recorded.push(results.map((result) => `${result.server} ${result.status}`)));
  assert.equal(await check.check({ ...config, servers: [] }), null);
  assert.deepEqual(await check.check({ ...config, servers: [servers[0] as Server] }), { covered: true, detail: "all 1 server(s) covered" });
  assert.deepEqual(await check.check({ ...config, servers }), {
    covered: false, detail: "s1 would compile 1 package(s) (binpkgbot coverage --suggest tells what to build)",
  });
  assert.deepEqual(recorded, [["s0 covered"], ["s0 covered", "s1 uncovered"]], "each check's results are kept for status");
});
