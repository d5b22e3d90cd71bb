// A release's repository archive (src/releases/repository-store.ts through publish.ts) on real files:
// made once per repository revision, shared by the releases of that revision, gone with the last release
// naming it, and never left half-made by a full disk or a crash.
import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { applyRetention, PublishError, PUBLISH_CRASH_POINTS, publishRelease, recoverReleases, type PublishCrashPoint } from "../../../src/releases/publish.js";
import { readCurrentNumber, readReleases } from "../../../src/releases/read-releases.js";
import { repositoryArchiveName } from "../../../src/releases/release-layout.js";
import { releaseFixture, type ReleaseFixture } from "./release-fixture.js";

type Frame = ReleaseFixture;
const frame = releaseFixture;

const input = (f: Frame, revision: string | null) => ({ pkgdir: f.pkgdir, repository: revision, repositoryDir: f.repo, stageGeneration: "gen-1", run: null });
const archives = (f: Frame): Promise<string[]> => readdir(f.layout.repositoryDir).then((names) => names.sort(), () => []);

test("a release names its repository archive; releases of one revision share one file, a new revision makes another", async (t) => {
  const f = await frame(t);
  const first = await publishRelease(f.layout, input(f, "timestamp:1"), f.deps);
  assert.equal(first.meta.repositoryArchive, repositoryArchiveName("timestamp:1", 1));
  const file = join(f.layout.repositoryDir, first.meta.repositoryArchive!);
  const inode = (await stat(file)).ino;
  const second = await publishRelease(f.layout, input(f, "timestamp:1"), f.deps);
  assert.equal(second.meta.repositoryArchive, first.meta.repositoryArchive);
  assert.equal((await stat(file)).ino, inode, "not written again");
  await writeFile(join(f.repo, "profiles", "repo_name"), "changed\n");
  const third = await publishRelease(f.layout, input(f, "timestamp:2"), f.deps);
  assert.notEqual(third.meta.repositoryArchive, first.meta.repositoryArchive);
  assert.deepEqual(await archives(f), [first.meta.repositoryArchive!, third.meta.repositoryArchive!].sort());
  assert.match(await readFile(join(f.layout.repositoryDir, third.meta.repositoryArchive!), "latin1"), /changed\n/);
  assert.deepEqual(JSON.parse(await readFile(join(f.layout.dir, "3.json"), "utf8")).repositoryArchive, third.meta.repositoryArchive);
});

test("without a revision each release gets its own archive: nothing says the tree is unchanged", async (t) => {
  const f = await frame(t);
  const first = await publishRelease(f.layout, input(f, null), f.deps);
  const second = await publishRelease(f.layout, input(f, null), f.deps);
  assert.deepEqual([first.meta.repositoryArchive, second.meta.repositoryArchive], ["release-1.zip", "release-2.zip"]);
});

test("retention removes an archive with the last release naming it, and keeps one a kept release names", async (t) => {
  const f = await frame(t);
  const old = await publishRelease(f.layout, input(f, "git:a"), f.deps);
  const shared = await publishRelease(f.layout, input(f, "git:b"), f.deps);
  await publishRelease(f.layout, input(f, "git:b"), f.deps);
  assert.deepEqual(await applyRetention(f.layout, 1, f.deps), [1, 2]);
  assert.deepEqual(await archives(f), [shared.meta.repositoryArchive!]);
  assert.notEqual(old.meta.repositoryArchive, shared.meta.repositoryArchive);
});

test("a full disk while archiving the repository leaves the current release serving, its archive intact, and nothing half-made", async (t) => {
  const f = await frame(t);
  const first = await publishRelease(f.layout, input(f, "git:a"), f.deps);
  const before = await readFile(join(f.layout.repositoryDir, first.meta.repositoryArchive!));
  f.deps.writeArchive = () => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  };
  await assert.rejects(publishRelease(f.layout, input(f, "git:b"), f.deps), (error: unknown) =>
    error instanceof PublishError && /as release 2 .*no space left on device.*release 1 stays current\. Free space/.test(error.message));
  assert.equal(await readCurrentNumber(f.layout), 1);
  assert.deepEqual((await readdir(f.layout.dir)).sort(), ["1", "1.json", "current", "repository"]);
  assert.deepEqual(await archives(f), [first.meta.repositoryArchive!], "no partial archive, no temporary file");
  assert.deepEqual(await readFile(join(f.layout.repositoryDir, first.meta.repositoryArchive!)), before);
});

for (const point of PUBLISH_CRASH_POINTS) {
  test(`killed at ${point} with a new repository revision: after recovery exactly the archives of finished releases are left`, async (t) => {
    const crashAt = { point: undefined as PublishCrashPoint | undefined };
    const f = await frame(t, { crashPoint: (name) => { if (name === crashAt.point) throw new Error(`crash at ${name}`); } });
    await publishRelease(f.layout, input(f, "git:a"), f.deps);
    crashAt.point = point;
    await assert.rejects(publishRelease(f.layout, input(f, "git:b"), f.deps), /crash at/);
    crashAt.point = undefined;
    await recoverReleases(f.layout, f.deps);
    const named = (await readReleases(f.layout)).map((release) => release.meta.repositoryArchive!);
    assert.equal(named.length, PUBLISH_CRASH_POINTS.indexOf(point) >= PUBLISH_CRASH_POINTS.indexOf("meta-written") ? 2 : 1);
    assert.deepEqual(await archives(f), [...new Set(named)].sort());
  });
}
