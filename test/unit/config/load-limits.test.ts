// Hostile config files: each costs bounded work and ends in problems with a position, never a crash.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { loadConfig, type ConfigFiles, type LoadResult } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import * as limits from "../../../src/config/limits.js";
import { formatLimitBytes, MAX_CONFIG_FILE_BYTES, MAX_INCLUDE_DEPTH, MAX_INCLUDES, MAX_LISTED_ISSUES, MAX_TASKS } from "../../../src/config/limits.js";
import { repoRoot } from "../../support/fixtures.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";
const ROOT = "/c/binpkgbot.yml";

/** Memory files that count how often each file is read and each pattern globbed. */
function countingFiles(files: Record<string, string | Uint8Array>): { files: ConfigFiles; reads: Map<string, number>; globs: string[] } {
  const inner = memoryFiles(files);
  const reads = new Map<string, number>();
  const globs: string[] = [];
  return {
    reads, globs,
    files: {
      ...inner,
      read: (file, maxBytes) => (reads.set(file, (reads.get(file) ?? 0) + 1), inner.read(file, maxBytes)),
      glob: (pattern) => (globs.push(pattern), inner.glob(pattern)),
    },
  };
}

function failure(result: LoadResult): { lines: string[]; total: number } {
  if (result.ok) assert.fail("the config must be rejected");
  return { lines: result.issues.map(formatIssue), total: result.total };
}

test("an include with 130,000 YAML errors is a problem of that file, listed as the first 50 and a count", () => {
  const result = loadConfig(ROOT, memoryFiles({ [ROOT]: `${HEAD}tasks:\n  - include: noise.yml\n`, "/c/noise.yml": ":\n".repeat(130_000) }));
  const { lines, total } = failure(result);
  assert.ok(total > 100_000, `${total} problems`);
  assert.equal(lines.length, MAX_LISTED_ISSUES + 1);
  assert.match(lines[0] ?? "", /^\/c\/noise\.yml:1:\d+: \(top level\): YAML: /);
  assert.equal(lines.at(-1), `${ROOT}:1:1: (top level): and ${total - MAX_LISTED_ISSUES} more problems, not listed (only the first ${MAX_LISTED_ISSUES} are) (fix these first)`);
});

test("files that each include the next twice are read once each, and the includes stop at the limit", () => {
  // 2^13 includes in all without the limit; each level's file is the same, so it is read once.
  const depth = 13;
  const files: Record<string, string> = { [ROOT]: `${HEAD}tasks:\n  - include: f1.yml\n` };
  for (let level = 1; level < depth; level++) files[`/c/f${level}.yml`] = `- include: f${level + 1}.yml\n- include: f${level + 1}.yml\n`;
  files[`/c/f${depth}.yml`] = "- install: app-misc/leaf\n";
  const counting = countingFiles(files);
  const { lines, total } = failure(loadConfig(ROOT, counting.files));
  assert.deepEqual([...counting.reads.values()].filter((count) => count !== 1), [], "every file is read once");
  assert.equal(new Set(counting.globs).size, counting.globs.length, "every pattern is expanded once");
  assert.ok(lines.some((line) => line.includes(`more than ${MAX_INCLUDES} includes in all (the limit`)), lines.join("\n"));
  assert.ok(total < 10, `${total} problems:\n${lines.join("\n")}`);
});

test("a file reached through two includes (a diamond) is read once and still reported as included twice", () => {
  const counting = countingFiles({
    [ROOT]: `${HEAD}tasks:\n  - include: a.yml\n  - include: b.yml\n`,
    "/c/a.yml": "- include: common.yml\n",
    "/c/b.yml": "- include: common.yml\n",
    "/c/common.yml": "- install: app-misc/common\n",
  });
  const { lines } = failure(loadConfig(ROOT, counting.files));
  assert.equal(counting.reads.get("/c/common.yml"), 1);
  assert.match(lines.join("\n"), /this task is included twice: through binpkgbot.yml → a.yml and through binpkgbot.yml → b.yml/);
});

test("an include chain deeper than the limit is an error at the include, naming the limit", () => {
  const files: Record<string, string> = { [ROOT]: `${HEAD}tasks:\n  - include: f1.yml\n` };
  for (let level = 1; level <= MAX_INCLUDE_DEPTH + 5; level++) files[`/c/f${level}.yml`] = `- include: f${level + 1}.yml\n`;
  files[`/c/f${MAX_INCLUDE_DEPTH + 6}.yml`] = "- install: app-misc/deep\n";
  const { lines } = failure(loadConfig(ROOT, memoryFiles(files)));
  assert.deepEqual(lines, [
    `/c/f${MAX_INCLUDE_DEPTH - 1}.yml:1:12: [0].include: includes nest more than ${MAX_INCLUDE_DEPTH} files deep (the limit), from binpkgbot.yml (include the files from fewer levels)`,
  ]);
});

test("more tasks than the limit is an error at the first task over it", () => {
  const tasks = Array.from({ length: MAX_TASKS + 1 }, (_, i) => `- install: app-misc/p${i}\n`).join("");
  const { lines } = failure(loadConfig(ROOT, memoryFiles({ [ROOT]: `${HEAD}tasks:\n  - include: many.yml\n`, "/c/many.yml": tasks })));
  assert.deepEqual(lines, [
    `/c/many.yml:${MAX_TASKS + 1}:3: [${MAX_TASKS}]: more than ${MAX_TASKS} tasks in all (the limit); this one and those after it were not read (split the config, or check for a file included many times)`,
  ]);
});

test("a config file over the size limit is refused without reading it all, naming the limit", () => {
  const asked: number[] = [];
  const big = memoryFiles({ [ROOT]: `${HEAD}#${"x".repeat(MAX_CONFIG_FILE_BYTES)}\n` });
  const { lines } = failure(loadConfig(ROOT, { ...big, read: (file, maxBytes) => (asked.push(maxBytes), big.read(file, maxBytes)) }));
  assert.deepEqual(asked, [MAX_CONFIG_FILE_BYTES]);
  assert.deepEqual(lines, [`${ROOT}:1:1: (top level): cannot read the config: larger than 1 MiB, the limit for one config file (split it into smaller includes, or check that it is the right file)`]);
});

test("a config file that is not UTF-8 is an error at its first bad byte, not a U+FFFD in a path", () => {
  const bytes = Buffer.concat([Buffer.from(`${HEAD}binds:\n  - /var/caf`), Buffer.from([0xe9]), Buffer.from("\n")]);
  const { lines } = failure(loadConfig(ROOT, memoryFiles({ [ROOT]: bytes })));
  assert.deepEqual(lines, [`${ROOT}:6:13: (top level): the file is not valid UTF-8 here (byte 0xE9) (save the file as UTF-8)`]);
});

test("an include whose path holds a newline is an error at the include", () => {
  const { lines } = failure(loadConfig(ROOT, memoryFiles({ [ROOT]: `${HEAD}tasks:\n  - include: "a\\nb.yml"\n`, "/c/a\nb.yml": "- install: app-misc/a\n" })));
  assert.deepEqual(lines, [`${ROOT}:6:14: tasks[0].include: the include path contains "\\n", which no config file name may hold (write the file name on one line, without control characters)`]);
});

test("an include with wildcards in five segments is refused before any directory is listed", () => {
  const counting = countingFiles({ [ROOT]: `${HEAD}tasks:\n  - include: /*/*/*/*/*\n` });
  const { lines } = failure(loadConfig(ROOT, counting.files));
  assert.deepEqual(counting.globs, []);
  assert.deepEqual(lines, [`${ROOT}:6:14: tasks[0].include: '/*/*/*/*/*' has wildcards in more than 4 path segments (the limit) (name the directories, and use wildcards for the last ones only)`]);
});

test("the README states every limit", () => {
  const readme = readFileSync(path.join(repoRoot, "README.md"), "utf8");
  const paragraph = readme.slice(readme.indexOf("Limits: "), readme.indexOf("### Variant modifiers"));
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== "number") continue;
    const text = value % (1024 * 1024) === 0 ? formatLimitBytes(value) : String(value);
    assert.match(paragraph.replaceAll("\n", " "), new RegExp(`\\b${text}\\b`), `the README's limits paragraph states ${name} (${text})`);
  }
});

test("YAML nested deeper than the parser's stack is a positioned problem saying so", () => {
  const { lines } = failure(loadConfig(ROOT, memoryFiles({ [ROOT]: `${HEAD}binds: ${"[".repeat(5_000)}\n` })));
  assert.match(lines[0] ?? "", /^\/c\/binpkgbot\.yml:5:\d+: \(top level\): YAML: nested too deeply here for the parser \(a config needs only a few levels: look for a run of '\[', '\{' or '-'\)$/);
});
