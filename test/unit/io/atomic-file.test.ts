// Small files written whole or not at all, also when one process writes the same file twice at once
// (the dashboard's requests, the config cache).
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { temporaryName, TEMPORARY_NAME, writeFileAtomic } from "../../../src/io/atomic-file.js";

test("twenty writes of one file at once all succeed, the file is exactly one of them, and no temporary file is left", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-atomic-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "requests.json");
  const texts = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(50_000)}\n`);
  await Promise.all(texts.map((text) => writeFileAtomic(file, text)));
  assert.ok(texts.includes(await readFile(file, "utf8")), "the file holds one write whole, not a mix");
  assert.deepEqual(await readdir(dir), ["requests.json"]);
});

test("temporary names are hidden, differ between two writes, and are what a release leaves out", () => {
  const first = path.basename(temporaryName("/state/x.json"));
  const second = path.basename(temporaryName("/state/x.json"));
  assert.notEqual(first, second);
  assert.ok(first.startsWith(".x.json.binpkgbot-"));
  assert.match(first, TEMPORARY_NAME);
  assert.doesNotMatch("x.json", TEMPORARY_NAME);
  assert.doesNotMatch(".x.json.binpkgbot-12.tmp.gpkg.tar", TEMPORARY_NAME);
});
