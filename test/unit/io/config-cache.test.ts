// The config cache on a temporary directory: a hit gives the same config without parsing, and any
// change to what the config was made from (a file's bytes, a new include match, a symlink, the code)
// gives a fresh one.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import type { Config } from "../../../src/config/config.js";
import { loadConfig, type LoadResult } from "../../../src/config/load.js";
import { loadConfigCached, readCodeIdentity, type ConfigCacheDeps } from "../../../src/io/config-cache.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-config-cache-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Deps whose loader counts how often the config was really parsed. */
function counting(cacheDir: string | null, code = "code-1"): ConfigCacheDeps & { parses: number } {
  const deps = {
    dir: cacheDir, code, parses: 0,
    load: async () => (file: string, files: typeof diskConfigFiles): LoadResult => {
      deps.parses += 1;
      return loadConfig(file, files);
    },
  };
  return deps;
}

async function load(file: string, deps: ConfigCacheDeps): Promise<Config> {
  const result = await loadConfigCached(file, diskConfigFiles, deps);
  if (!result.ok) assert.fail(`the config must load: ${JSON.stringify(result.issues)}`);
  return result.config;
}

const atoms = (config: Config): string[] => config.tasks.map((task) => ("atom" in task ? String(task.atom) : task.id));

test("a second load of an unchanged config comes from the cache, equal to a fresh load, without parsing", async (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}emerge_options: ['--verbose']\ntasks:\n  - install: app-misc/a\n  - include: d/*.yml\n`);
  mkdirSync(path.join(dir, "d"));
  writeFileSync(path.join(dir, "d", "b.yml"), "- install: {atom: app-misc/b, use: [x]}\n");
  const deps = counting(path.join(dir, "cache"));
  const first = await load(root, deps);
  const second = await load(root, deps);
  assert.equal(deps.parses, 1);
  assert.deepStrictEqual(second, first);
  const fresh = loadConfig(root, diskConfigFiles);
  assert.ok(fresh.ok);
  assert.deepStrictEqual(second, fresh.config);
});

test("a changed byte in an included file gives the new config", async (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}tasks:\n  - include: d/*.yml\n`);
  mkdirSync(path.join(dir, "d"));
  const included = path.join(dir, "d", "b.yml");
  writeFileSync(included, "- install: app-misc/b\n");
  const deps = counting(path.join(dir, "cache"));
  await load(root, deps);
  // Same size and modification time: only the bytes tell.
  writeFileSync(included, "- install: app-misc/c\n");
  utimesSync(included, 1_000_000, 1_000_000);
  assert.deepEqual(atoms(await load(root, deps)), atoms((loadConfig(root, diskConfigFiles) as { config: Config }).config));
  assert.equal(deps.parses, 2);
});

test("a new file matching an include glob gives the new config", async (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}tasks:\n  - include: d/*.yml\n`);
  mkdirSync(path.join(dir, "d"));
  writeFileSync(path.join(dir, "d", "a.yml"), "- install: app-misc/a\n");
  const deps = counting(path.join(dir, "cache"));
  assert.equal((await load(root, deps)).tasks.length, 1);
  writeFileSync(path.join(dir, "d", "b.yml"), "- install: app-misc/b\n");
  assert.equal((await load(root, deps)).tasks.length, 2);
  assert.equal(deps.parses, 2);
});

test("a config reached through a symlink that now points elsewhere gives the new target's config", async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, "one.yml"), `${HEAD}tasks:\n  - install: app-misc/one\n`);
  writeFileSync(path.join(dir, "two.yml"), `${HEAD}tasks:\n  - install: app-misc/two\n`);
  const link = path.join(dir, "binpkgbot.yml");
  symlinkSync("one.yml", link);
  const deps = counting(path.join(dir, "cache"));
  const before = await load(link, deps);
  rmSync(link);
  symlinkSync("two.yml", link);
  const after = await load(link, deps);
  assert.notDeepStrictEqual(atoms(after), atoms(before));
  assert.deepEqual(atoms(after), atoms((loadConfig(link, diskConfigFiles) as { config: Config }).config));
});

test("an entry written by other code is not used", async (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}tasks: []\n`);
  const cacheDir = path.join(dir, "cache");
  await load(root, counting(cacheDir, "code-1"));
  const other = counting(cacheDir, "code-2");
  await load(root, other);
  assert.equal(other.parses, 1);
});

test("an invalid config is parsed every time and its problems returned; a damaged entry is parsed again", async (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, "stage: [\n");
  const cacheDir = path.join(dir, "cache");
  const deps = counting(cacheDir);
  assert.equal((await loadConfigCached(root, diskConfigFiles, deps)).ok, false);
  assert.equal((await loadConfigCached(root, diskConfigFiles, deps)).ok, false);
  assert.equal(deps.parses, 2);
  writeFileSync(root, `${HEAD}tasks: []\n`);
  await load(root, deps);
  for (const name of readdirSync(cacheDir)) writeFileSync(path.join(cacheDir, name), "{not json");
  await load(root, deps);
  assert.equal(deps.parses, 4);
});

test("without a cache directory every load parses", async (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}tasks: []\n`);
  const deps = counting(null);
  await load(root, deps);
  await load(root, deps);
  assert.equal(deps.parses, 2);
});

test("the code identity changes when a file of the loader's code is rewritten or a package version changes", (t) => {
  const dir = tempDir(t);
  const code = path.join(dir, "config");
  mkdirSync(code);
  writeFileSync(path.join(code, "load.js"), "export const a = 1;\n");
  const pkg = path.join(dir, "package.json");
  writeFileSync(pkg, JSON.stringify({ version: "1.0.0" }));
  const before = readCodeIdentity([code], [pkg]);
  assert.equal(readCodeIdentity([code], [pkg]), before);
  writeFileSync(path.join(code, "load.js"), "export const a = 2;\n");
  utimesSync(path.join(code, "load.js"), 2_000_000, 2_000_000);
  const rebuilt = readCodeIdentity([code], [pkg]);
  assert.notEqual(rebuilt, before);
  writeFileSync(pkg, JSON.stringify({ version: "1.0.1" }));
  assert.notEqual(readCodeIdentity([code], [pkg]), rebuilt);
});

test("an old directory in the cache (Node's compiled code) is left alone, and entries are still written beside it; old entries go", async (t) => {
  const dir = tempDir(t);
  const root = path.join(dir, "binpkgbot.yml");
  writeFileSync(root, `${HEAD}tasks:\n  - install: app-misc/a\n`);
  const cache = path.join(dir, "cache");
  const compiled = path.join(cache, "compiled");
  mkdirSync(compiled, { recursive: true });
  const stale = path.join(cache, "0".repeat(32) + ".json");
  writeFileSync(stale, "{}");
  // Older than the 30 days after which an entry counts as stale.
  utimesSync(compiled, 1_000_000, 1_000_000);
  utimesSync(stale, 1_000_000, 1_000_000);
  const deps = counting(cache);
  await load(root, deps);
  await load(root, deps);
  assert.equal(deps.parses, 1, "the entry was written, so the second load is cached");
  assert.deepEqual(readdirSync(cache).filter((name) => name !== "compiled").length, 1, "the stale entry went, the new one is there");
  assert.ok(readdirSync(cache).includes("compiled"), "the directory stays");
});
