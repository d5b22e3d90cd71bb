// The repository archive (src/releases/repository-archive.ts) on real files in a temporary directory,
// read back entry by entry: what is in it, in which order, and that a full disk leaves nothing behind.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { inflateRawSync } from "node:zlib";
import { writeRepositoryArchive } from "../../../src/releases/repository-archive.js";
import { crc32 } from "../../../src/releases/zip-records.js";

/** Entries in central directory order, each read through its local header and checked against its CRC. */
function readZip(zip: Buffer): { name: string; content: string }[] {
  const end = zip.length - 22;
  assert.equal(zip.readUInt32LE(end), 0x06054b50, "an end record without comment closes the archive");
  let at = zip.readUInt32LE(end + 16);
  const entries: { name: string; content: string }[] = [];
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50);
    const [method, crc, packed, size] = [zip.readUInt16LE(at + 10), zip.readUInt32LE(at + 16), zip.readUInt32LE(at + 20), zip.readUInt32LE(at + 24)];
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const local = zip.readUInt32LE(at + 42);
    assert.equal(zip.subarray(local + 30, local + 30 + zip.readUInt16LE(local + 26)).toString("utf8"), name, "the local header names the same entry");
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + packed);
    const content = method === 8 ? inflateRawSync(data) : data;
    assert.deepEqual([content.length, crc32(content)], [size, crc], name);
    entries.push({ name, content: content.toString("utf8") });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

async function repository(t: TestContext): Promise<{ dir: string; repo: string }> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-repo-archive-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = join(dir, "gentoo");
  for (const sub of ["profiles", "app-misc/hello", "metadata/md5-cache/app-misc", ".git/objects", "distfiles", "packages", "local", ".tempabc"]) await mkdir(join(repo, sub), { recursive: true });
  await writeFile(join(repo, "profiles", "repo_name"), "gentoo\n");
  await writeFile(join(repo, "app-misc", "hello", "hello-1.0.ebuild"), `EAPI=8\n${"# a comment that compresses well\n".repeat(50)}`);
  await writeFile(join(repo, "metadata", "md5-cache", "app-misc", "hello-1.0"), "EAPI=8\n");
  await writeFile(join(repo, "metadata", "timestamp.chk"), "Mon, 30 Nov 2026 00:45:01 +0000\n");
  await writeFile(join(repo, ".git", "HEAD"), "ref: refs/heads/master\n");
  await writeFile(join(repo, ".info"), 'etag "x"\n');
  await writeFile(join(repo, "distfiles", "big.tar.gz"), "x");
  await symlink("hello-1.0.ebuild", join(repo, "app-misc", "hello", "link.ebuild"));
  return { dir, repo };
}

test("the archive holds the repository's directories and files, profiles/ first and each directory before its content", async (t) => {
  const { dir, repo } = await repository(t);
  const result = await writeRepositoryArchive(repo, join(dir, "a.zip"));
  const entries = readZip(await readFile(join(dir, "a.zip")));
  assert.deepEqual(entries.map((entry) => entry.name), [
    "profiles/", "profiles/repo_name",
    "app-misc/", "app-misc/hello/", "app-misc/hello/hello-1.0.ebuild",
    "metadata/", "metadata/md5-cache/", "metadata/md5-cache/app-misc/", "metadata/md5-cache/app-misc/hello-1.0", "metadata/timestamp.chk",
  ]);
  assert.equal(entries.find((entry) => entry.name.endsWith(".ebuild"))?.content, await readFile(join(repo, "app-misc", "hello", "hello-1.0.ebuild"), "utf8"));
  assert.equal(result.entries, entries.length);
});

test("the same tree gives the same bytes; a changed file gives other bytes", async (t) => {
  const { dir, repo } = await repository(t);
  await writeRepositoryArchive(repo, join(dir, "a.zip"));
  await writeRepositoryArchive(repo, join(dir, "b.zip"));
  assert.deepEqual(await readFile(join(dir, "a.zip")), await readFile(join(dir, "b.zip")));
  await writeFile(join(repo, "profiles", "repo_name"), "other\n");
  await writeRepositoryArchive(repo, join(dir, "c.zip"));
  assert.equal(readZip(await readFile(join(dir, "c.zip")))[1]?.content, "other\n");
});

test("a directory without profiles/ is refused before anything is written", async (t) => {
  const { dir, repo } = await repository(t);
  await rm(join(repo, "profiles"), { recursive: true });
  await assert.rejects(writeRepositoryArchive(repo, join(dir, "a.zip")), /gentoo has no profiles\/ directory, so it is no ebuild repository \(check portage_repo\)/);
  assert.deepEqual(await readdir(dir), ["gentoo"]);
});

test("a full disk while writing removes the partial archive and leaves no file under the destination's name", async (t) => {
  const { dir, repo } = await repository(t);
  const writeArchive = (): void => {
    throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  };
  await assert.rejects(writeRepositoryArchive(repo, join(dir, "a.zip"), { writeArchive }), /no space left/);
  assert.deepEqual(await readdir(dir), ["gentoo"]);
});
