// `binpkgbot run` end to end: real systemd-nspawn containers over a real btrfs stage, with the emerge
// test double standing in for Portage.
import assert from "node:assert/strict";
import { access, readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, readRecords, runCli, type CliResult, type World } from "./support/world.js";
import { treeManifest } from "./support/tree-manifest.js";

const suite = await integrationSuite(async () => {
  await mainScenario();
});
const { skip } = suite;
const fixture = { get dir(): string { return suite.fixture().dir; } };

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);
// On a persistent start nspawn creates these mount points and the merged-/usr symlinks of an empty
// root (base-filesystem.c: lib -> usr/lib), and copies the host's resolv.conf and localtime in
// (systemd-nspawn(1), --resolv-conf=auto, --timezone=auto) and /var/log/journal (--link-journal=auto):
// not emerge's doing. (The mount points of binds the stage lacks are removed by binpkgbot.)
const NSPAWN_MADE = ["dev", "proc", "sys", "run", "lib", "lib64", "etc/resolv.conf", "etc/localtime", "var/log/journal"];
const runtimeDirs = (relative: string): boolean => NSPAWN_MADE.includes(relative);

interface Scenario {
  world: World;
  result: CliResult;
  stageBefore: string;
  etcBefore: string;
  /** The leak check of the main run: null, or what it found. */
  leaks: Promise<unknown>;
}

let main: Scenario | undefined;

/** One run with every kind of task; the tests below each check one promise of it. */
async function mainScenario(): Promise<Scenario> {
  if (main) return main;
  const world = await createWorld(fixture.dir);
  const checkLeaks = await leakGuard(fixture.dir);
  await mkdir(path.join(world.root, "ro-bind"));
  await mkdir(path.join(world.root, "rw-bind"));
  await writeFile(world.config, configText(world, [
    `  - ro: ${path.join(world.root, "ro-bind")}`,
    `  - rw: ${path.join(world.root, "rw-bind")}`,
    "sync:",
    "  script: touch /var/db/repos/gentoo/synced-in-container",
    "tasks:",
    "  - install: app-misc/plain",
    "  - install:",
    "      atom: media-video/ffmpeg",
    "      use: [x265, 'media-libs/x265 numa']",
    "      accept_keywords: true",
    "      unmask: true",
    "      mask: ['>=media-libs/x264-2']",
    "  - install: {atom: media-video/ffmpeg, use: -x265}",
    "  - install: app-misc/broken",
    "  - run:",
    "      persist: false",
    "      script:",
    `        - if touch ${path.join(world.root, "ro-bind")}/x 2>/dev/null; then echo ro-bind-writable; else echo ro-bind-readonly; fi`,
    `        - touch ${path.join(world.root, "rw-bind")}/written && echo rw-bind-writable`,
    "        - touch /var/db/repos/gentoo/written-by-run-task && echo repo-writable",
    "  - run: {host: true, script: 'echo \"host sees $BINPKGBOT_STAGE\" > \"$BINPKGBOT_PKGDIR/../host-ran\"'}",
    "  - install: {atom: app-misc/kept, persist: true}",
    "",
  ].join("\n")));
  const stageBefore = await treeManifest(world.stage, runtimeDirs);
  const etcBefore = await treeManifest(world.etcPortage);
  const result = await runCli(["run", "-c", world.config]);
  main = { world, result, stageBefore, etcBefore, leaks: checkLeaks().then(() => null, (error: unknown) => error) };
  return main;
}

test("the main run leaves no snapshot, mount or nspawn process behind", { skip }, async () => {
  const { leaks } = await mainScenario();
  assert.equal(await leaks, null);
});

test("a failing task fails the run (exit 1) but the tasks after it still run", { skip }, async () => {
  const { result } = await mainScenario();
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stdout, /^install-app-misc-broken\s+failed\s+\S+\s+app-misc\/broken-1\.0 failed in src_compile: this package fails to build on purpose; see .*install-app-misc-broken\.log; the failed container is kept read-only at \S+\.failed\/install-app-misc-broken-\S+ \(binpkgbot stage shell --failed install-app-misc-broken -c \/\S+\.yml\)$/m);
  assert.match(result.stdout, /^install-app-misc-kept\s+succeeded/m);
  assert.match(result.stderr, /1 of 8 step\(s\) did not succeed/);
});

test("the summary lists the binpkgs each task added, from the Packages index", { skip }, async () => {
  const { result, world } = await mainScenario();
  assert.match(result.stdout, /^task\s+result\s+time\s+binpkgs added$/m);
  assert.match(result.stdout, /^install-app-misc-plain\s+succeeded\s+\S+\s+app-misc\/plain-1\.0-1 \[/m);
  const index = await readFile(path.join(world.pkgdir, "Packages"), "utf8");
  assert.match(index, /CPV: app-misc\/plain-1\.0/);
  // Two variants of ffmpeg side by side (binpkg-multi-instance): two BUILD_IDs of one CPV.
  const ffmpeg = await readdir(path.join(world.pkgdir, "media-video", "ffmpeg"));
  assert.deepEqual(ffmpeg.sort(), ["ffmpeg-1.0-1.gpkg.tar", "ffmpeg-1.0-2.gpkg.tar"]);
  assert.match(result.stdout, /media-video\/ffmpeg-1\.0-1 \[[^\]]*\bx265\b/);
  assert.match(result.stdout, /media-video\/ffmpeg-1\.0-2 \[(?![^\]]*\bx265\b)/);
});

test("emerge gets --usepkg, the environment of a build, and the task's atom", { skip }, async () => {
  const { world } = await mainScenario();
  const records = await readRecords(world);
  const plain = records.find((record) => record.argv.includes("app-misc/plain"));
  assert.deepEqual(plain?.argv, ["--usepkg", "app-misc/plain"]);
  for (const line of ["FEATURES=buildpkg", "PKGDIR=/var/cache/binpkgs", "DISTDIR=/var/cache/distfiles", "CONFIG_PROTECT_MASK=/etc",
    "PORTAGE_ELOG_CLASSES=log warn error qa", "PORTAGE_ELOG_SYSTEM=save save_summary"]) {
    assert.ok(plain?.env.includes(line), `env has ${line}`);
  }
});

test("each modifier reaches its package.* file, after the admin's own lines", { skip }, async () => {
  const { world } = await mainScenario();
  const records = await readRecords(world);
  const variant = records.find((record) => record.argv.includes("media-video/ffmpeg") && record.portage.includes("package.unmask"));
  assert.ok(variant, "the ffmpeg variant with modifiers ran");
  const portage = variant.portage;
  assert.match(portage, /==> package\.use\/00-etc-portage <==\napp-misc\/admin admin-flag\n/);
  assert.match(portage, /==> package\.use\/zz-binpkgbot <==\n#[^\n]*\nmedia-video\/ffmpeg x265\nmedia-libs\/x265 numa\n/);
  assert.match(portage, /==> package\.accept_keywords\/zz-binpkgbot <==\n#[^\n]*\nmedia-video\/ffmpeg ~\*\n/);
  assert.match(portage, /==> package\.unmask\/zz-binpkgbot <==\n#[^\n]*\nmedia-video\/ffmpeg\n/);
  assert.match(portage, /==> package\.mask\/zz-binpkgbot <==\n#[^\n]*\n>=media-libs\/x264-2\n/);
  const plain = records.find((record) => record.argv.includes("app-misc/plain"));
  assert.doesNotMatch(plain?.portage ?? "", /zz-binpkgbot/, "a task without modifiers writes nothing");
});

test("the admin's etc_portage is never changed", { skip }, async () => {
  const { world, etcBefore } = await mainScenario();
  assert.equal(await treeManifest(world.etcPortage), etcBefore);
});

test("throw-away tasks leave the stage unchanged; a persisting task changes it", { skip }, async () => {
  const { world, stageBefore } = await mainScenario();
  const installed = await readFile(path.join(world.stage, "var/lib/emerge-double/installed"), "utf8");
  assert.equal(installed, "app-misc/kept-1.0\n", "only the persisting install reached the stage");
  const after = (await treeManifest(world.stage, runtimeDirs)).split("\n").filter((line) => !line.startsWith("var/lib/emerge-double"));
  const before = stageBefore.split("\n");
  assert.deepEqual({ added: after.filter((line) => !before.includes(line)), removed: before.filter((line) => !after.includes(line)) }, { added: [], removed: [] });
});

test("a write to a read-only bind fails in the container, a writable bind takes it", { skip }, async () => {
  const { result, world } = await mainScenario();
  assert.match(result.stdout, /\] ro-bind-readonly$/m);
  assert.match(result.stdout, /\] rw-bind-writable$/m);
  assert.ok(await exists(path.join(world.root, "rw-bind", "written")));
  assert.ok(!(await exists(path.join(world.root, "ro-bind", "x"))));
});

test("a container `run` task can write the repository (a sync script such as emerge-webrsync); a build task's write fails", { skip }, async () => {
  const { result, world } = await mainScenario();
  assert.match(result.stdout, /\] repo-writable$/m);
  assert.ok(await exists(path.join(world.repo, "written-by-run-task")), "the run task's file reached the host's repository");
  const builds = (await readRecords(world)).filter((record) => record.argv.includes("--usepkg"));
  assert.ok(builds.length >= 4, `the build tasks ran: ${builds.length}`);
  assert.deepEqual([...new Set(builds.map((record) => record.repo))], ["read-only"], "every build task saw the repository read-only");
});

test("the sync step runs first, with the repository writable", { skip }, async () => {
  const { result, world } = await mainScenario();
  assert.ok(await exists(path.join(world.repo, "synced-in-container")));
  assert.ok(result.stdout.indexOf("==> [1/8] sync") < result.stdout.indexOf("==> [2/8] install-app-misc-plain"));
});

test("host scripts run on the host with the build's paths in the environment", { skip }, async () => {
  const { world } = await mainScenario();
  assert.equal(await readFile(path.join(world.root, "host-ran"), "utf8"), `host sees ${world.stage}\n`);
});

test("output streams with a task prefix and goes to a per-task log; work files are removed", { skip }, async () => {
  const { result, world } = await mainScenario();
  assert.match(result.stdout, /^\[install-app-misc-plain\] >>> /m);
  const runs = await readdir(path.join(world.stateDir, "logs"));
  assert.equal(runs.length, 1);
  const log = await readFile(path.join(world.stateDir, "logs", runs[0] ?? "", "install-app-misc-plain.log"), "utf8");
  assert.match(log, /app-misc\/plain/);
  assert.deepEqual(await readdir(path.join(world.stateDir, "work")), [], "not even the run's work directory stays");
});

test("a failed persisting task leaves the stage exactly as it was, keeps its snapshot, and later tasks still run", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: {atom: app-misc/broken, persist: true}\n  - install: app-misc/after\n"));
  const before = await treeManifest(world.stage);
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 1);
  const failed = `${world.stage}.generations/failed`;
  assert.match(result.stdout, new RegExp(`the stage is unchanged, the failed snapshot is kept at ${failed}`));
  assert.match(result.stdout, /^install-app-misc-after\s+succeeded/m);
  assert.equal(await treeManifest(world.stage), before, "the stage is byte-identical");
  assert.ok(await exists(path.join(failed, "usr/bin/emerge")), "the failed snapshot is kept for inspection");
  // The next run removes it.
  await writeFile(world.config, configText(world, "sync: false\ntasks: []\n"));
  assert.equal((await runCli(["run", "-c", world.config])).code, 0);
  assert.ok(!(await exists(failed)));
});

test("--fail-fast stops at the first failure", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: app-misc/masked\n  - install: app-misc/after\n"));
  const result = await runCli(["run", "--fail-fast", "-c", world.config]);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /^install-app-misc-after\s+not-run/m);
  assert.equal((await readRecords(world)).length, 1);
});

test("a missing bind source is a host problem (exit 4) before any container starts, not a failed task", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const missing = path.join(world.root, "no-such-ccache");
  await writeFile(world.config, configText(world, `  - {from: ${missing}, to: /var/cache/ccache}\nsync: false\ntasks:\n  - install: app-misc/plain\n`));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 4, result.stdout + result.stderr);
  assert.match(result.stderr, new RegExp(`problem: bind ${missing}: ${missing} does not exist: systemd-nspawn cannot bind it at /var/cache/ccache`));
  assert.equal((await readRecords(world)).length, 0, "no container ran");
  assert.ok(!(await exists(world.stateDir)), "no run or task was recorded");
});

test("an invalid config starts nothing and writes nothing (exit 3)", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, "tasks:\n  - install: 'app-misc/x;reboot'\n"));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 3);
  assert.match(result.stderr, /binpkgbot\.yml:\d+:\d+: tasks\[0\]\.install: bad atom/);
  assert.ok(!(await exists(world.stateDir)), "no state written");
  assert.equal((await readRecords(world)).length, 0);
});
