// Releases on a real btrfs filesystem: a run publishes its PKGDIR (a subvolume) as a read-only
// snapshot; kill -9 at every step of `binpkgbot publish` (BINPKGBOT_TEST_PUBLISH_CRASH_POINT) leaves
// the old or the new release current and the next publish recovers; serve follows the switch.
import assert from "node:assert/strict";
import { readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { deleteSubvolume } from "../../src/container/btrfs.js";
import { runChecked, nodeExec } from "../../src/exec/exec.js";
import { PUBLISH_CRASH_POINTS } from "../../src/releases/publish.js";
import { readReleases } from "../../src/releases/read-releases.js";
import { releasesLayout } from "../../src/releases/release-layout.js";
import { startBinhost } from "../../src/server/binhost.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, runCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

/** A world whose PKGDIR is a btrfs subvolume, publishing after each successful run. */
async function releaseWorld(publish = "auto", tasks = "  - install: app-misc/one\n"): Promise<World> {
  const world = await createWorld(suite.fixture().dir);
  await rm(world.pkgdir, { recursive: true });
  await runChecked(nodeExec, ["btrfs", "subvolume", "create", world.pkgdir]);
  await writeFile(world.config, configText(world, `sync: false\npublish: ${publish}\ntasks:\n${tasks}`));
  return world;
}

/** The releases and PKGDIR are subvolumes the test meant to make: deleted before the leak guard looks. */
function guard(t: TestContext, world: World, check: () => Promise<void>): void {
  t.after(async () => {
    for (const name of await readdir(layoutOf(world).dir).catch(() => [] as string[])) {
      if (/^\d+$/.test(name)) await deleteSubvolume(nodeExec, path.join(layoutOf(world).dir, name));
    }
    await deleteSubvolume(nodeExec, world.pkgdir);
    await check();
  });
}

const layoutOf = (world: World) => releasesLayout(`${world.pkgdir}.releases`);
const numbers = async (world: World): Promise<number[]> => (await readReleases(layoutOf(world))).map((release) => release.number);

test("a successful run publishes PKGDIR as a read-only btrfs snapshot with its Packages, the repository and the run", { skip }, async (t) => {
  const world = await releaseWorld();
  guard(t, world, await leakGuard(suite.fixture().dir));
  const run = await runCli(["run", "-c", world.config]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr + run.stdout, /published release 1 \(1 binpkgs, btrfs\)/);
  const [release] = await readReleases(layoutOf(world));
  assert.equal(release?.meta.snapshot, "btrfs");
  assert.match(release?.meta.repository ?? "", /^tree:[0-9a-f]{64}$/);
  assert.equal(typeof release?.meta.run, "number");
  const ro = await runChecked(nodeExec, ["btrfs", "property", "get", "-ts", release!.path, "ro"]);
  assert.equal(ro.stdout.trim(), "ro=true");
  assert.equal(await readFile(path.join(release!.path, "Packages"), "utf8"), await readFile(path.join(world.pkgdir, "Packages"), "utf8"));
  await assert.rejects(writeFile(path.join(release!.path, "Packages"), "x"), /EROFS|read-only/);
  assert.equal(await readlink(layoutOf(world).current), "1");
});

for (const [publish, expected] of [["auto", []], ["{when: always}", [1]]] as const) {
  test(`a run with a failed task and publish: ${publish} ${expected.length === 0 ? "is not published" : "is published"}`, { skip }, async (t) => {
    const world = await releaseWorld(publish, "  - install: app-misc/one\n  - install: app-misc/broken\n");
    guard(t, world, await leakGuard(suite.fixture().dir));
    const run = await runCli(["run", "-c", world.config]);
    assert.equal(run.code, 1, run.stderr);
    assert.deepEqual(await numbers(world), expected);
    if (expected.length === 0) assert.match(run.stderr + run.stdout, /not published: the run failed: only publish\.when: always publishes it/);
  });
}

for (const point of PUBLISH_CRASH_POINTS) {
  test(`kill -9 of binpkgbot publish at '${point}': the old or the new release is current, and the next publish recovers`, { skip }, async (t) => {
    const world = await releaseWorld();
    guard(t, world, await leakGuard(suite.fixture().dir));
    assert.equal((await runCli(["run", "-c", world.config])).code, 0);
    const crashed = await runCli(["publish", "-c", world.config], { BINPKGBOT_TEST_PUBLISH_CRASH_POINT: point });
    assert.equal(crashed.signal, "SIGKILL", `killed at ${point}: ${crashed.stderr}`);
    const current = Number(await readlink(layoutOf(world).current));
    assert.ok((await numbers(world)).includes(current), `current ${current} is a finished release`);
    const finished = PUBLISH_CRASH_POINTS.indexOf(point) >= PUBLISH_CRASH_POINTS.indexOf("meta-written");
    assert.equal(current, finished && point !== "meta-written" ? 2 : 1);
    const next = await runCli(["publish", "-c", world.config]);
    assert.equal(next.code, 0, next.stderr);
    if (point !== "journal-removed") assert.match(next.stderr, finished ? /finished an interrupted publish: release 2 is current/ : /undid an interrupted publish of release 2: release 1 stays current/);
    assert.deepEqual(await numbers(world), finished ? [1, 2, 3] : [1, 2]);
    const dirs = (await readdir(layoutOf(world).dir)).filter((name) => /^\d+$/.test(name)).map(Number).sort();
    assert.deepEqual(dirs, await numbers(world), "no half-made snapshot is left");
  });
}

test("serve follows a switch of the current release on btrfs, and the old release's files stay reachable", { skip }, async (t) => {
  const world = await releaseWorld();
  guard(t, world, await leakGuard(suite.fixture().dir));
  assert.equal((await runCli(["run", "-c", world.config])).code, 0);
  const binhost = await startBinhost({ pkgdir: world.pkgdir, releasesDir: layoutOf(world).dir, log: () => undefined });
  try {
    const first = await (await fetch(`${binhost.url}/Packages`)).text();
    const file = /^PATH: (.+)$/m.exec(first)?.[1] ?? assert.fail(`no PATH in ${first}`);
    await rm(path.join(world.pkgdir, file));
    await writeFile(path.join(world.pkgdir, "Packages"), "PACKAGES: 0\n\n");
    assert.equal((await runCli(["publish", "-c", world.config])).code, 0);
    assert.equal(await (await fetch(`${binhost.url}/Packages`)).text(), "PACKAGES: 0\n\n");
    const late = await fetch(`${binhost.url}/${file}`);
    assert.equal(late.status, 200, "a client that read release 1's Packages still gets its binpkg");
    assert.equal(Buffer.from(await late.arrayBuffer()).length > 0, true);
  } finally {
    await binhost.close();
  }
});
