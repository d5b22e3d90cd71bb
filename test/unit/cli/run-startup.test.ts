// What `binpkgbot run` loads before it knows what the config asks for: every module costs start-up
// time on every run, so the code of features a config may not use (the YAML parser, which the config
// cache spares; releases; servers' coverage and reports; the job pool; classifying a failure) is
// imported where it is used.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import nodeModule from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../support/fixtures.js";

/** The URLs of every module importing `module` loads, from a resolve hook in a fresh process. */
function modulesLoadedBy(module: string, t: { after(fn: () => void): void }): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-startup-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, "loaded");
  writeFileSync(log, "");
  writeFileSync(path.join(dir, "hooks.mjs"), [
    'import { appendFileSync } from "node:fs";',
    "export async function resolve(specifier, context, next) {",
    "  const resolved = await next(specifier, context);",
    `  appendFileSync(${JSON.stringify(log)}, resolved.url + "\\n");`,
    "  return resolved;",
    "}",
  ].join("\n"));
  writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`);
  const result = spawnSync(process.execPath, ["--import", pathToFileURL(path.join(dir, "register.mjs")).href, "--input-type=module", "-e", `await import(${JSON.stringify(pathToFileURL(module).href)});`], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return readFileSync(log, "utf8").split("\n").filter((line) => line !== "");
}

test("the run command loads neither the YAML parser nor the code of releases, servers' coverage, reports, the job pool or failure classification at start-up", (t) => {
  const loaded = modulesLoadedBy(path.join(repoRoot, "build", "src", "cli", "commands", "run.js"), t);
  // The resolve hook sees the module graph: the run command itself and the state database are in it.
  assert.ok(loaded.some((url) => url.endsWith("/src/engine/perform-run.js")), loaded.join("\n"));
  assert.ok(loaded.some((url) => url.includes("/better-sqlite3/")), loaded.join("\n"));
  const unwanted = [
    /\/node_modules\/yaml\//, /\/node_modules\/croner\//, /\/src\/config\/load\.js$/, /\/src\/config\/schema\.js$/, /\/src\/releases\/publish\.js$/,
    /\/src\/coverage\/check-coverage\.js$/, /\/src\/coverage\/server-files\.js$/, /\/src\/report\/(read-server-report|store-report)\.js$/, /\/src\/jobserver\/fifo-jobserver\.js$/, /\/src\/failure\/classify\.js$/,
  ];
  assert.deepEqual(loaded.filter((url) => unwanted.some((pattern) => pattern.test(url))), []);
});

test("on Node 22.1 and later, the compiled code of the modules a command loads is kept in the cache directory; on older Node, nothing is written there", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-compile-cache-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, "binpkgbot.yml");
  writeFileSync(config, "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\ntasks:\n  - install: app-misc/a\n");
  const cache = path.join(dir, "cache");
  const env: NodeJS.ProcessEnv = { ...process.env, BINPKGBOT_CACHE_DIR: cache };
  delete env.NODE_COMPILE_CACHE;
  const result = spawnSync(process.execPath, [path.join(repoRoot, "build", "src", "cli", "main.js"), "validate", "-c", config], { encoding: "utf8", env });
  assert.equal(result.status, 0, result.stderr);
  const compiled = path.join(cache, "compiled");
  const entries = (() => {
    try {
      return readdirSync(compiled, { recursive: true });
    } catch {
      return null;
    }
  })();
  if ("enableCompileCache" in nodeModule) assert.ok(entries !== null && entries.length > 0, `${compiled} holds the compiled code`);
  else assert.equal(entries, null, `Node ${process.version} has no compile cache: nothing at ${compiled}`);
});
