// The binhost over releases: the current one at the root, /releases/N/ and /tags/NAME/, and a client
// that read the root's Packages before a switch still getting that release's files.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startBinhost } from "../../../src/server/binhost.js";
import { routeReleaseTarget } from "../../../src/server/release-roots.js";
import { applyRetention, publishRelease } from "../../../src/releases/publish.js";
import { writeRefs } from "../../../src/releases/read-releases.js";
import { releasesLayout } from "../../../src/releases/release-layout.js";
import { directoryBtrfs } from "../stage/directory-btrfs.js";

test("routeReleaseTarget splits /releases/N/ and /tags/NAME/ off, and refuses odd names", () => {
  assert.deepEqual(routeReleaseTarget("/Packages"), { kind: "root", target: "/Packages" });
  assert.deepEqual(routeReleaseTarget("/releases/12/dev-libs/a/a-1-1.gpkg.tar"), { kind: "release", number: 12, target: "/dev-libs/a/a-1-1.gpkg.tar" });
  assert.deepEqual(routeReleaseTarget("/tags/prod/Packages?x"), { kind: "tag", name: "prod", target: "/Packages?x" });
  for (const target of ["/releases/01/Packages", "/releases/1.json/Packages", "/releases/../Packages", "/releases/1", "/tags/%2e%2e/Packages", "/tags/-x/Packages"]) {
    assert.equal(routeReleaseTarget(target).kind, "refuse", target);
  }
});

test("the root serves PKGDIR until a release exists, then the current release; older releases' files stay reachable until retention removes them", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-release-serve-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pkgdir = join(dir, "binpkgs");
  await mkdir(join(pkgdir, "dev-libs"), { recursive: true });
  const setPackages = async (names: string[]): Promise<void> => {
    for (const name of names) await writeFile(join(pkgdir, "dev-libs", `${name}.gpkg.tar`), `bytes of ${name}`);
    await writeFile(join(pkgdir, "Packages.new"), `PACKAGES: ${names.length}\n\n${names.map((name) => `CPV: dev-libs/${name}\n`).join("\n")}`);
    await rename(join(pkgdir, "Packages.new"), join(pkgdir, "Packages"));
  };
  const layout = releasesLayout(`${pkgdir}.releases`);
  const deps = { exec: directoryBtrfs(), now: () => new Date("2026-12-01T10:00:00Z"), isSubvolume: async () => false };
  const publish = () => publishRelease(layout, { pkgdir, repository: null, stageGeneration: "plain", run: null }, deps);
  const binhost = await startBinhost({ pkgdir, releasesDir: layout.dir, log: () => undefined });
  t.after(() => binhost.close());
  const get = async (path: string): Promise<string> => {
    const response = await fetch(`${binhost.url}${path}`);
    return `${response.status} ${await response.text()}`;
  };

  await setPackages(["a-1"]);
  assert.match(await get("/Packages"), /^200 PACKAGES: 1\n\nCPV: dev-libs\/a-1\n$/, "no release yet: PKGDIR itself");
  await publish();
  await unlink(join(pkgdir, "dev-libs", "a-1.gpkg.tar"));
  await setPackages(["a-2"]);
  assert.match(await get("/Packages"), /CPV: dev-libs\/a-1\n$/, "release 1, not PKGDIR as it changes");
  assert.equal(await get("/dev-libs/a-2.gpkg.tar"), "404 Not Found\n", "nothing unpublished leaks");

  await publish();
  assert.match(await get("/Packages"), /CPV: dev-libs\/a-2\n$/, "switched to release 2");
  assert.equal(await get("/dev-libs/a-1.gpkg.tar"), "200 bytes of a-1", "a client with release 1's Packages still gets its file");
  assert.equal(await get("/releases/1/dev-libs/a-1.gpkg.tar"), "200 bytes of a-1");
  assert.match(await get("/releases/1/Packages"), /CPV: dev-libs\/a-1\n$/);
  assert.equal(await get("/releases/2/dev-libs/a-1.gpkg.tar"), "404 Not Found\n");
  assert.equal(await get("/releases/3/Packages"), "404 Not Found\n");

  await writeRefs(layout, { tags: { prod: 1 }, pins: [] });
  assert.match(await get("/tags/prod/Packages"), /CPV: dev-libs\/a-1\n$/);
  assert.equal(await get("/tags/stage/Packages"), "404 Not Found\n");

  await writeRefs(layout, { tags: {}, pins: [] });
  assert.deepEqual(await applyRetention(layout, 1, deps), [1]);
  assert.equal(await get("/dev-libs/a-1.gpkg.tar"), "404 Not Found\n", "the grace period ends when retention removes release 1");
  assert.equal(await get("/releases/1/Packages"), "404 Not Found\n");
});
