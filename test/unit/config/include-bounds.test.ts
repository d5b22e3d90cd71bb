// The include walk at its limits' exact boundaries, the messages when a file cannot be read, and where
// a file that is not UTF-8 goes wrong.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig, type ConfigFiles, type LoadResult } from "../../../src/config/load.js";
import { formatLimitBytes, MAX_CONFIG_FILE_BYTES, MAX_INCLUDES, MAX_TASKS } from "../../../src/config/limits.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";
const ROOT = "/c/binpkgbot.yml";

function lines(result: LoadResult): string[] {
  if (result.ok) assert.fail("the config must be rejected");
  return result.issues.map(formatIssue);
}

function tasksOf(result: LoadResult): number {
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result.config.tasks.length;
}

/** A YAML file of exactly `size` bytes: `text`, then a comment filling the rest. */
function padded(text: string, size: number): string {
  return `${text}#${"x".repeat(size - text.length - 2)}\n`;
}

test("limits of whole MiB are stated in MiB, others in bytes", () => {
  assert.equal(formatLimitBytes(2 * 1024 * 1024), "2 MiB");
  assert.equal(formatLimitBytes(1000), "1000 bytes");
  assert.equal(formatLimitBytes(1024 * 1024 + 1), "1048577 bytes");
});

test("a config file of exactly the size limit loads", () => {
  const text = padded(HEAD, MAX_CONFIG_FILE_BYTES);
  assert.equal(Buffer.byteLength(text), MAX_CONFIG_FILE_BYTES);
  assert.equal(tasksOf(loadConfig(ROOT, memoryFiles({ [ROOT]: text }))), 0);
});

test("includes that together pass the total size limit are refused at the include that passes it, asked for no more than is left", () => {
  const root = `${HEAD}tasks:\n  - include: a.yml\n  - include: b.yml\n  - include: c.yml\n`;
  const part = MAX_CONFIG_FILE_BYTES - 4096;
  const inner = memoryFiles({ [ROOT]: root, "/c/a.yml": padded("[]\n", part), "/c/b.yml": padded("[]\n", part), "/c/c.yml": padded("[]\n", part) });
  const asked: number[] = [];
  const files: ConfigFiles = { ...inner, read: (file, maxBytes) => (asked.push(maxBytes), inner.read(file, maxBytes)) };
  assert.deepEqual(lines(loadConfig(ROOT, files)), [
    `${ROOT}:8:14: tasks[2].include: cannot include /c/c.yml: the config and its includes are larger than 2 MiB in all (the limit) (include less)`,
  ]);
  const left = 2 * MAX_CONFIG_FILE_BYTES - root.length - 2 * part;
  assert.deepEqual(asked, [MAX_CONFIG_FILE_BYTES, MAX_CONFIG_FILE_BYTES, MAX_CONFIG_FILE_BYTES, left]);
});

test("a config file that cannot be read says why and how to give the right one", () => {
  assert.deepEqual(lines(loadConfig(ROOT, memoryFiles({}))), [`${ROOT}:1:1: (top level): cannot read the config: no such file (give the right file with -c PATH)`]);
});

test("an included file that cannot be read is an error at the include, saying why", () => {
  const inner = memoryFiles({ [ROOT]: `${HEAD}tasks:\n  - include: a.yml\n`, "/c/a.yml": "[]\n" });
  const files: ConfigFiles = { ...inner, read: (file, maxBytes) => {
    if (file === "/c/a.yml") throw new Error("it is a directory");
    return inner.read(file, maxBytes);
  } };
  assert.deepEqual(lines(loadConfig(ROOT, files)), [
    `${ROOT}:6:14: tasks[0].include: cannot include /c/a.yml: it is a directory (fix the include's path, which is relative to this file)`,
  ]);
});

test("an included file that is empty or only comments adds no task and no problem", () => {
  const result = loadConfig(ROOT, memoryFiles({ [ROOT]: `${HEAD}tasks:\n  - include: empty.yml\n  - include: comment.yml\n  - install: app-misc/a\n`, "/c/empty.yml": "", "/c/comment.yml": "# nothing yet\n" }));
  assert.equal(tasksOf(result), 1);
});

test("exactly the limit of includes loads; past it, one error at the first include over it and the walk stops", () => {
  const including = (count: number): string => `${HEAD}tasks:\n${"  - include: leaf.yml\n".repeat(count)}`;
  assert.equal(tasksOf(loadConfig(ROOT, memoryFiles({ [ROOT]: including(MAX_INCLUDES), "/c/leaf.yml": "[]\n" }))), 0);
  assert.deepEqual(lines(loadConfig(ROOT, memoryFiles({ [ROOT]: including(MAX_INCLUDES + 3), "/c/leaf.yml": "[]\n" }))), [
    `${ROOT}:${MAX_INCLUDES + 6}:14: tasks[${MAX_INCLUDES}].include: more than ${MAX_INCLUDES} includes in all (the limit; a file included twice counts twice) (include each file once)`,
  ]);
});

test("an include limit hit inside one match of a pattern ends the pattern's other matches too", () => {
  const files = {
    [ROOT]: `${HEAD}tasks:\n  - include: d/*.yml\n`,
    "/c/d/a.yml": "- include: ../leaf.yml\n".repeat(MAX_INCLUDES),
    "/c/d/b.yml": "- install: app-misc/b\n",
    "/c/leaf.yml": "[]\n",
  };
  assert.deepEqual(lines(loadConfig(ROOT, memoryFiles(files))), [
    `/c/d/a.yml:${MAX_INCLUDES}:12: [${MAX_INCLUDES - 1}].include: more than ${MAX_INCLUDES} includes in all (the limit; a file included twice counts twice) (include each file once)`,
  ]);
});

test("past the task limit, one error at the first task over it and the walk stops", () => {
  const tasks = Array.from({ length: MAX_TASKS + 3 }, (_, i) => `- install: app-misc/p${i}\n`).join("");
  assert.deepEqual(lines(loadConfig(ROOT, memoryFiles({ [ROOT]: `${HEAD}tasks:\n  - include: many.yml\n`, "/c/many.yml": tasks }))), [
    `/c/many.yml:${MAX_TASKS + 1}:3: [${MAX_TASKS}]: more than ${MAX_TASKS} tasks in all (the limit); this one and those after it were not read (split the config, or check for a file included many times)`,
  ]);
});

test("an include after the task limit is followed: the error is at the first task over it, in the included file", () => {
  const tasks = Array.from({ length: MAX_TASKS }, (_, i) => `- install: app-misc/p${i}\n`).join("");
  const files = { [ROOT]: `${HEAD}tasks:\n  - include: many.yml\n  - include: more.yml\n`, "/c/many.yml": tasks, "/c/more.yml": "- install: app-misc/over\n" };
  assert.deepEqual(lines(loadConfig(ROOT, memoryFiles(files))), [
    `/c/more.yml:1:3: [0]: more than ${MAX_TASKS} tasks in all (the limit); this one and those after it were not read (split the config, or check for a file included many times)`,
  ]);
});

test("wildcards in exactly four segments, several in one segment, and deep plain paths are allowed", () => {
  const files = {
    [ROOT]: `${HEAD}tasks:\n  - include: d/*/*/*/*.yml\n  - include: t/*-*-*-*-*.yml\n  - include: p/q/r/s/t/u.yml\n`,
    "/c/d/a/b/c/x.yml": "- install: app-misc/a\n",
    "/c/t/a-b-c-d-e.yml": "- install: app-misc/b\n",
    "/c/p/q/r/s/t/u.yml": "- install: app-misc/c\n",
  };
  assert.equal(tasksOf(loadConfig(ROOT, memoryFiles(files))), 3);
});

test("a bad byte after ASCII is reported at itself", () => {
  const bytes = Buffer.concat([Buffer.from(`${HEAD}binds:\n  - /ab`), Buffer.from([0x80]), Buffer.from("\n")]);
  assert.deepEqual(lines(loadConfig(ROOT, memoryFiles({ [ROOT]: bytes }))), [`${ROOT}:6:8: (top level): the file is not valid UTF-8 here (byte 0x80) (save the file as UTF-8)`]);
});

test("a character cut off by a bad byte is reported where the character begins", () => {
  const bytes = Buffer.concat([Buffer.from(`${HEAD}binds:\n  - /ab`), Buffer.from([0xe2, 0x82]), Buffer.from("x\n")]);
  assert.deepEqual(lines(loadConfig(ROOT, memoryFiles({ [ROOT]: bytes }))), [`${ROOT}:6:8: (top level): the file is not valid UTF-8 here (byte 0xE2) (save the file as UTF-8)`]);
});

test("a bad byte after many multi-byte characters is reported at itself, counted in characters", () => {
  const bytes = Buffer.concat([Buffer.from(`${HEAD}# ${"é€".repeat(40)}`), Buffer.from([0xff]), Buffer.from("\n")]);
  assert.deepEqual(lines(loadConfig(ROOT, memoryFiles({ [ROOT]: bytes }))), [`${ROOT}:5:83: (top level): the file is not valid UTF-8 here (byte 0xFF) (save the file as UTF-8)`]);
});
