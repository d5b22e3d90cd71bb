// prune deletes binpkgs from PKGDIR; a kept release on hard links keeps every file its Packages lists,
// with the content it was published with: the release holds its own link to each inode.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { applyPrune } from "../../../src/binhost/apply-prune.js";
import { readPackagesIndexFile } from "../../../src/binhost/pkgdir-index.js";
import { scanPkgdirFiles } from "../../../src/binhost/pkgdir-files.js";
import { planPrune } from "../../../src/binhost/prune-plan.js";
import { findHeldByReleases } from "../../../src/releases/held-by-releases.js";
import { publishRelease } from "../../../src/releases/publish.js";
import { releasesLayout } from "../../../src/releases/release-layout.js";
import { directoryBtrfs } from "../stage/directory-btrfs.js";

test("prune removing a version from PKGDIR leaves a kept hard-link release whole", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-release-prune-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pkgdir = join(dir, "binpkgs");
  await mkdir(join(pkgdir, "dev-libs", "a"), { recursive: true });
  const names = ["dev-libs/a/a-1-1.gpkg.tar", "dev-libs/a/a-2-1.gpkg.tar"];
  for (const name of names) await writeFile(join(pkgdir, name), `content of ${name}`);
  await writeFile(join(pkgdir, "Packages"), `PACKAGES: 2\n\nBUILD_ID: 1\nCPV: dev-libs/a-1\nPATH: ${names[0]}\n\nBUILD_ID: 1\nCPV: dev-libs/a-2\nPATH: ${names[1]}\n`);
  const layout = releasesLayout(`${pkgdir}.releases`);
  const now = new Date("2026-12-01T10:00:00Z");
  const release = await publishRelease(layout, { pkgdir, repository: null, stageGeneration: "plain", run: null }, { exec: directoryBtrfs(), now: () => now, isSubvolume: async () => false });

  const index = await readPackagesIndexFile(pkgdir);
  const plan = planPrune({ index: index!, repoVersions: new Set(["dev-libs/a-2"]), protectedPaths: new Set(), keep: 1, files: await scanPkgdirFiles(pkgdir), now: new Date(now.getTime() + 7_200_000) });
  assert.deepEqual(plan.remove.map((removal) => removal.path), [names[0]]);
  await applyPrune(pkgdir, index!, plan, now);
  assert.equal(await readFile(join(pkgdir, names[0]!)).catch(() => null), null, "gone from PKGDIR");

  const released = await readPackagesIndexFile(release.path);
  assert.equal(released?.packages.length, 2);
  for (const entry of released!.packages) assert.equal(await readFile(join(release.path, entry.path), "utf8"), `content of ${entry.path}`);
});

test("the bytes prune frees leave out what a kept release still holds, and name that release", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-release-held-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pkgdir = join(dir, "binpkgs");
  await mkdir(join(pkgdir, "dev-libs", "a"), { recursive: true });
  const [old, published, later] = ["dev-libs/a/a-1-1.gpkg.tar", "dev-libs/a/a-1-2.gpkg.tar", "dev-libs/a/a-1-3.gpkg.tar"] as const;
  await writeFile(join(pkgdir, old), "x".repeat(100));
  await writeFile(join(pkgdir, published), "y".repeat(200));
  const layout = releasesLayout(`${pkgdir}.releases`);
  const release = await publishRelease(layout, { pkgdir, repository: null, stageGeneration: "plain", run: null }, { exec: directoryBtrfs(), now: () => new Date(0), isSubvolume: async () => false });
  await writeFile(join(pkgdir, later), "z".repeat(400));
  // Rewritten in place after the release: the release keeps the old bytes, so deleting this frees them.
  await rm(join(pkgdir, old));
  await writeFile(join(pkgdir, old), "w".repeat(100));

  const files = [{ path: old, bytes: 100 }, { path: published, bytes: 200 }, { path: later, bytes: 400 }];
  assert.deepEqual(await findHeldByReleases(pkgdir, layout, files), { bytes: 200, releases: [release.number] });
  assert.deepEqual(await findHeldByReleases(pkgdir, releasesLayout(join(dir, "none")), files), { bytes: 0, releases: [] }, "no releases: every byte is freed");
});
