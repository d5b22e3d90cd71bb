import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { renderETag } from "../../../src/server/http-conditional.js";
import { IndexCache } from "../../../src/server/index-cache.js";
import { PkgdirRoot } from "../../../src/server/open-beneath.js";

const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-index-cache-"));
const root = new PkgdirRoot(dir);
const openIndex = (relPath: string) => root.open(relPath, { maxLinks: 0 });
after(async () => {
  await root.close();
  await rm(dir, { recursive: true, force: true });
});

test("the index is served from memory for up to maxAge, then re-checked, and a rename is seen", async () => {
  let now = 0;
  const cache = new IndexCache(openIndex, 1_000, () => now);
  const file = path.join(dir, "Packages");
  await writeFile(file, "VERSION: 0\n\n");
  assert.equal((await cache.get("Packages"))?.body.toString(), "VERSION: 0\n\n");
  // Portage rewrites the index by rename.
  await writeFile(`${file}.new`, "VERSION: 0\nPACKAGES: 1\n\n");
  await rename(`${file}.new`, file);
  now = 999;
  assert.equal((await cache.get("Packages"))?.body.toString(), "VERSION: 0\n\n", "still within maxAge");
  now = 1_000;
  assert.equal((await cache.get("Packages"))?.body.toString(), "VERSION: 0\nPACKAGES: 1\n\n");
});

test("a rewrite in place with the same size and whole-second mtime gives the new content and a new ETag", async () => {
  let now = 0;
  // The wall clock is far past the change time: the entry is not racy, only the stats can tell.
  const cache = new IndexCache(openIndex, 1_000, () => now, () => BigInt(Date.now() + 60_000) * 1_000_000n);
  const file = path.join(dir, "Packages.gz");
  await writeFile(file, "TIMESTAMP: 1700000000\nA\n");
  await utimes(file, 1_700_000_000, 1_700_000_000);
  const old = await cache.get("Packages.gz");
  assert.equal(old?.body.toString(), "TIMESTAMP: 1700000000\nA\n");
  const oldETag = renderETag(old!.facts);
  await new Promise((resolve) => setTimeout(resolve, 20)); // past the coarse change-time tick
  await writeFile(file, "TIMESTAMP: 1700000000\nB\n"); // same inode, same size
  await utimes(file, 1_700_000_000, 1_700_000_000);
  now = 1_000;
  const fresh = await cache.get("Packages.gz");
  assert.equal(fresh?.body.toString(), "TIMESTAMP: 1700000000\nB\n");
  assert.equal(fresh.facts.mtimeMs, old!.facts.mtimeMs, "the mtime is the same whole second");
  assert.notEqual(renderETag(fresh.facts), oldETag);
});

test("an index read within a second of its change is read again at the next check", async () => {
  let now = 0;
  let wall = 0n;
  const cache = new IndexCache(openIndex, 1_000, () => now, () => wall);
  const file = path.join(dir, "Packages");
  await writeFile(file, "VERSION: 0\nX\n");
  await utimes(file, 1_700_000_000, 1_700_000_000);
  wall = BigInt(Date.now()) * 1_000_000n;
  assert.equal((await cache.get("Packages"))?.body.toString(), "VERSION: 0\nX\n");
  // A write within the same tick of the change-time clock would leave every stat field as it
  // was, so such an entry is read again even though no stat field changed.
  const first = await cache.get("Packages");
  now = 1_000;
  const again = await cache.get("Packages");
  assert.notEqual(again, first, "a racy entry is replaced by a fresh read");
  wall += 10_000_000_000n;
  now = 2_000;
  const stable = await cache.get("Packages");
  now = 3_000;
  assert.equal(await cache.get("Packages"), stable, "once read well after its change, it is kept while the stats stay");
});

test("a symlink, a FIFO or a missing file is no index, and a FIFO never blocks", async () => {
  const cache = new IndexCache(openIndex);
  await mkdir(path.join(dir, "fifo"));
  assert.equal(spawnSync("mkfifo", [path.join(dir, "fifo", "Packages")]).status, 0);
  assert.equal(await cache.get("fifo/Packages"), null);
  await writeFile(path.join(dir, "elsewhere"), "x");
  await rm(path.join(dir, "Packages.gz"), { force: true });
  await symlink("elsewhere", path.join(dir, "Packages.gz"));
  assert.equal(await cache.get("Packages.gz"), null);
  assert.equal(await cache.get("nothing"), null);
});
