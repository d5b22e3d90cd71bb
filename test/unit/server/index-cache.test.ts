import assert from "node:assert/strict";
import { mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { IndexCache } from "../../../src/server/index-cache.js";

const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-index-cache-"));
after(() => rm(dir, { recursive: true, force: true }));

test("the index is served from memory for up to maxAge, then re-checked, and a rename is seen", async () => {
  let now = 0;
  const cache = new IndexCache(1_000, () => now);
  const file = path.join(dir, "Packages");
  await writeFile(file, "VERSION: 0\n\n");
  assert.equal((await cache.get(file))?.body.toString(), "VERSION: 0\n\n");
  // Portage rewrites the index by rename.
  await writeFile(`${file}.new`, "VERSION: 0\nPACKAGES: 1\n\n");
  await rename(`${file}.new`, file);
  now = 999;
  assert.equal((await cache.get(file))?.body.toString(), "VERSION: 0\n\n", "still within maxAge");
  now = 1_000;
  assert.equal((await cache.get(file))?.body.toString(), "VERSION: 0\nPACKAGES: 1\n\n");
});

test("a symlink or a missing file is no index", async () => {
  const cache = new IndexCache();
  await writeFile(path.join(dir, "elsewhere"), "x");
  await symlink(path.join(dir, "elsewhere"), path.join(dir, "Packages.gz"));
  assert.equal(await cache.get(path.join(dir, "Packages.gz")), null);
  assert.equal(await cache.get(path.join(dir, "nothing")), null);
});
