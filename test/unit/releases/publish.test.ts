// Publishing, recovery and retention of releases on real files in a temporary directory; btrfs is
// played by directories (../stage/directory-btrfs.ts) where a test says PKGDIR is a subvolume.
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readFile, readlink, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { applyRetention, countBinpkgs, PublishError, PUBLISH_CRASH_POINTS, publishRelease, recoverReleases, type PublishCrashPoint, type ReleaseDeps } from "../../../src/releases/publish.js";
import { readCurrentNumber, readReleases, writeRefs } from "../../../src/releases/read-releases.js";
import { releasesLayout, type ReleasesLayout } from "../../../src/releases/release-layout.js";
import { directoryBtrfs } from "../stage/directory-btrfs.js";

const NOW = new Date("2026-12-01T10:00:00.000Z");

interface Frame {
  pkgdir: string;
  layout: ReleasesLayout;
  deps: ReleaseDeps;
}

async function frame(t: TestContext, deps: Partial<ReleaseDeps> = {}): Promise<Frame> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-releases-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pkgdir = join(dir, "binpkgs");
  await mkdir(join(pkgdir, "app-misc"), { recursive: true });
  await writeBinpkgs(pkgdir, ["app-misc/a-1-1"]);
  return { pkgdir, layout: releasesLayout(`${pkgdir}.releases`), deps: { exec: directoryBtrfs(), now: () => NOW, isSubvolume: async () => false, ...deps } };
}

/** Packages lists each CPV-BUILD_ID; each binpkg's content is its name. Written as Portage does: new file, rename. */
async function writeBinpkgs(pkgdir: string, names: string[]): Promise<void> {
  for (const name of names) await writeFile(join(pkgdir, `${name}.gpkg.tar`), name);
  const blocks = names.map((name) => `BUILD_ID: ${name.split("-").at(-1)}\nCPV: ${name.replace(/-\d+$/, "")}\nPATH: ${name}.gpkg.tar\n`);
  await writeFile(join(pkgdir, "Packages.new"), `PACKAGES: ${names.length}\n\n${blocks.join("\n")}`);
  await rename(join(pkgdir, "Packages.new"), join(pkgdir, "Packages"));
}

const input = (f: Frame) => ({ pkgdir: f.pkgdir, repository: "git:abc", stageGeneration: "gen-4", run: 7 });

test("a release is a tree of hard links to PKGDIR's files, with its metadata, and becomes current", async (t) => {
  const f = await frame(t);
  const release = await publishRelease(f.layout, input(f), f.deps);
  assert.equal(release.number, 1);
  assert.equal(await readlink(f.layout.current), "1", "a relative link");
  const frozen = join(f.layout.dir, "1", "app-misc", "a-1-1.gpkg.tar");
  assert.equal((await stat(frozen)).ino, (await stat(join(f.pkgdir, "app-misc", "a-1-1.gpkg.tar"))).ino, "the same inode: no byte copied");
  assert.deepEqual(JSON.parse(await readFile(join(f.layout.dir, "1.json"), "utf8")), {
    version: 1, number: 1, created: NOW.toISOString(), snapshot: "hardlinks", repository: "git:abc", repositoryArchive: null, stageGeneration: "gen-4", run: 7, binpkgs: 1,
  });
  assert.equal(await lstat(f.layout.journal).catch(() => null), null);
});

test("a release stays as published while PKGDIR changes and later releases are made", async (t) => {
  const f = await frame(t);
  await publishRelease(f.layout, input(f), f.deps);
  await unlink(join(f.pkgdir, "app-misc", "a-1-1.gpkg.tar"));
  await writeBinpkgs(f.pkgdir, ["app-misc/a-2-1"]);
  const second = await publishRelease(f.layout, input(f), f.deps);
  assert.equal(second.number, 2);
  assert.equal(await readCurrentNumber(f.layout), 2);
  assert.equal(await readFile(join(f.layout.dir, "1", "app-misc", "a-1-1.gpkg.tar"), "utf8"), "app-misc/a-1-1");
  assert.match(await readFile(join(f.layout.dir, "1", "Packages"), "utf8"), /CPV: app-misc\/a-1\n/);
  assert.match(await readFile(join(f.layout.dir, "2", "Packages"), "utf8"), /CPV: app-misc\/a-2\n/);
  assert.equal(await lstat(join(f.layout.dir, "2", "app-misc", "a-1-1.gpkg.tar")).catch(() => null), null);
});

test("on a btrfs subvolume a release is one read-only snapshot", async (t) => {
  const exec = directoryBtrfs();
  const calls: string[][] = [];
  const f = await frame(t, { exec: { run: (argv, options) => (calls.push([...argv]), exec.run(argv, options)) }, isSubvolume: async () => true });
  const release = await publishRelease(f.layout, input(f), f.deps);
  assert.equal(release.meta.snapshot, "btrfs");
  assert.deepEqual(calls, [["btrfs", "subvolume", "snapshot", "-r", f.pkgdir, join(f.layout.dir, "1")]]);
});

for (const point of PUBLISH_CRASH_POINTS) {
  test(`killed at ${point}: the old or the new release is current, and the next start finishes or undoes the publish`, async (t) => {
    const crashAt = { point: undefined as PublishCrashPoint | undefined };
    const f = await frame(t, { crashPoint: (name) => { if (name === crashAt.point) throw new Error(`crash at ${name}`); } });
    await publishRelease(f.layout, input(f), f.deps);
    await writeBinpkgs(f.pkgdir, ["app-misc/a-2-1"]);
    crashAt.point = point;
    await assert.rejects(publishRelease(f.layout, input(f), f.deps), /crash at/);
    crashAt.point = undefined;
    const afterCrash = await readCurrentNumber(f.layout);
    assert.ok((await readReleases(f.layout)).some((release) => release.number === afterCrash), "current always names a finished release");
    const messages = await recoverReleases(f.layout, f.deps);
    const finished = PUBLISH_CRASH_POINTS.indexOf(point) >= PUBLISH_CRASH_POINTS.indexOf("meta-written");
    assert.equal(await readCurrentNumber(f.layout), finished ? 2 : 1);
    assert.deepEqual((await readReleases(f.layout)).map((release) => release.number), finished ? [1, 2] : [1]);
    assert.equal(await lstat(join(f.layout.dir, "2")).then(() => true, () => false), finished);
    assert.equal(await lstat(f.layout.journal).catch(() => null), null);
    if (point !== "journal-removed") assert.match(messages.join("\n"), finished ? /finished an interrupted publish: release 2 is current/ : /undid an interrupted publish of release 2: release 1 stays current/);
    assert.equal((await publishRelease(f.layout, input(f), f.deps)).number, finished ? 3 : 2, "the next publish works");
  });
}

test("a full disk while linking leaves the current release serving and no half-made release", async (t) => {
  let links = 0;
  const f = await frame(t);
  await publishRelease(f.layout, input(f), f.deps);
  await writeBinpkgs(f.pkgdir, ["app-misc/a-2-1", "app-misc/a-3-1"]);
  f.deps.link = async () => {
    if (++links > 2) throw Object.assign(new Error("ENOSPC: no space left on device, link"), { code: "ENOSPC" });
  };
  await assert.rejects(publishRelease(f.layout, input(f), f.deps), (error: unknown) =>
    error instanceof PublishError && /as release 2 .*no space left on device.*release 1 stays current\. Free space/.test(error.message));
  assert.equal(await readCurrentNumber(f.layout), 1);
  assert.equal(await lstat(join(f.layout.dir, "2")).catch(() => null), null);
  assert.equal(await lstat(f.layout.journal).catch(() => null), null);
});

test("retention keeps the newest N, the current, pinned and tagged releases, and removes the rest with their files", async (t) => {
  const f = await frame(t);
  for (let i = 0; i < 6; i++) await publishRelease(f.layout, input(f), f.deps);
  await writeRefs(f.layout, { tags: { prod: 2 }, pins: [1] });
  assert.deepEqual(await applyRetention(f.layout, 2, f.deps), [3, 4]);
  assert.deepEqual((await readReleases(f.layout)).map((release) => release.number), [1, 2, 5, 6]);
  assert.equal(await lstat(join(f.layout.dir, "3")).catch(() => null), null, "the files go with the release");
  assert.equal(await lstat(join(f.layout.dir, "3.json")).catch(() => null), null);
  assert.equal(await readFile(join(f.pkgdir, "app-misc", "a-1-1.gpkg.tar"), "utf8"), "app-misc/a-1-1", "PKGDIR keeps its own link");
});

test("a release directory on another filesystem than PKGDIR says to move releases_dir", async (t) => {
  const f = await frame(t, { link: async () => { throw Object.assign(new Error("EXDEV: cross-device link not permitted, link"), { code: "EXDEV" }); } });
  await assert.rejects(publishRelease(f.layout, input(f), f.deps), (error: unknown) =>
    error instanceof PublishError && /cross-device link not permitted, link; no release was made\. Set releases_dir to a directory on pkgdir's filesystem/.test(error.message));
  assert.deepEqual(await readReleases(f.layout), []);
});

test("countBinpkgs counts the CPV lines of the package blocks, not the header", () => {
  assert.equal(countBinpkgs("ACCEPT_KEYWORDS: amd64\nPACKAGES: 2\n\nBUILD_ID: 1\nCPV: a/b-1\n\nCPV: a/c-2\nSLOT: 0\n"), 2);
  assert.equal(countBinpkgs("PACKAGES: 0\n\n"), 0);
  assert.equal(countBinpkgs(""), 0);
});
