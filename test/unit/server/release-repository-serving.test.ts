// The binhost serves each release's repository archive at /repository.zip beside its Packages (the
// current one at the root, /releases/N/, /tags/NAME/), with the ETag Portage's zipfile sync sends back in
// If-None-Match, and never a file the release does not name.
import assert from "node:assert/strict";
import { readFile, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { publishRelease } from "../../../src/releases/publish.js";
import { writeRefs } from "../../../src/releases/read-releases.js";
import { resolveRequestPath } from "../../../src/server/request-path.js";
import { startBinhost } from "../../../src/server/binhost.js";
import { releaseFixture } from "../releases/release-fixture.js";

async function world(t: TestContext) {
  const { pkgdir, repo, layout, deps } = await releaseFixture(t);
  const publish = (revision: string) => publishRelease(layout, { pkgdir, repository: revision, repositoryDir: repo, stageGeneration: "plain", run: null }, deps);
  const binhost = await startBinhost({ pkgdir, releasesDir: layout.dir, log: () => undefined });
  t.after(() => binhost.close());
  return { pkgdir, repo, layout, publish, url: binhost.url };
}

test("resolveRequestPath: /repository.zip is the repository archive, and only that exact name", () => {
  assert.deepEqual(resolveRequestPath("/p", "/repository.zip"), { kind: "repository-archive", contentType: "application/zip" });
  assert.equal(resolveRequestPath("/p", "/repository.zip?x=1").kind, "repository-archive");
  for (const target of ["/dev-libs/repository.zip", "/repository.zip/x", "/Repository.zip", "/other.zip"]) assert.equal(resolveRequestPath("/p", target).kind, "refuse", target);
});

test("each release's archive at its paths: the current one at the root, N and a tag; 404 before any release", async (t) => {
  const w = await world(t);
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${w.url}${path}`, { headers });
  assert.equal((await get("/repository.zip")).status, 404, "PKGDIR alone carries no repository");
  const first = await w.publish("git:a");
  await writeFile(join(w.repo, "profiles", "repo_name"), "second\n");
  const second = await w.publish("git:b");
  await writeRefs(w.layout, { tags: { prod: 1 }, pins: [] });
  const bytes = async (path: string): Promise<Buffer> => {
    const response = await get(path);
    assert.equal(response.status, 200, path);
    assert.equal(response.headers.get("content-type"), "application/zip");
    return Buffer.from(await response.arrayBuffer());
  };
  const archive = (name: string | null) => readFile(join(w.layout.repositoryDir, name!));
  assert.deepEqual(await bytes("/repository.zip"), await archive(second.meta.repositoryArchive));
  assert.deepEqual(await bytes("/releases/2/repository.zip"), await archive(second.meta.repositoryArchive));
  assert.deepEqual(await bytes("/releases/1/repository.zip"), await archive(first.meta.repositoryArchive));
  assert.deepEqual(await bytes("/tags/prod/repository.zip"), await archive(first.meta.repositoryArchive));
  assert.equal((await get("/releases/3/repository.zip")).status, 404);
});

test("a client holding the archive's ETag (zipfile.py's If-None-Match) gets 304 until its release's repository changes", async (t) => {
  const w = await world(t);
  await w.publish("git:a");
  const etag = (await fetch(`${w.url}/repository.zip`)).headers.get("etag") ?? assert.fail("no ETag");
  await w.publish("git:a");
  assert.equal((await fetch(`${w.url}/repository.zip`, { headers: { "If-None-Match": etag } })).status, 304, "release 2, same revision: the same file");
  await w.publish("git:b");
  const changed = await fetch(`${w.url}/repository.zip`, { headers: { "If-None-Match": etag } });
  assert.equal(changed.status, 200, "a new revision is a new archive");
  assert.notEqual(changed.headers.get("etag"), etag);
});

test("an archive replaced by a symlink is not followed", async (t) => {
  const w = await world(t);
  const release = await w.publish("git:a");
  const file = join(w.layout.repositoryDir, release.meta.repositoryArchive!);
  await rm(file);
  await symlink(join(w.pkgdir, "Packages"), file);
  assert.equal((await fetch(`${w.url}/repository.zip`)).status, 404);
});
