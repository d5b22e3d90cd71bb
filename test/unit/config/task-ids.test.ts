// Task ids and atoms of build tasks: set names without '@', name length limit, duplicates.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function load(body: string): { ids: string[]; problems: string[] } {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": HEAD + body }));
  return result.ok
    ? { ids: result.config.tasks.map((task) => task.id), problems: [] }
    : { ids: [], problems: result.issues.map((issue) => formatIssue(issue).replace("/c/binpkgbot.yml:", "")) };
}

// cnf/sets/portage.conf of Portage: the sets it defines itself.
const portageSets = [
  "world", "system", "selected", "selected-packages", "selected-sets", "profile", "installed", "preserved-rebuild",
  "module-rebuild", "x11-module-rebuild", "live-rebuild", "deprecated-live-rebuild", "security", "changed-deps",
  "changed-subslot", "downgrade", "unavailable", "unavailable-binaries", "rebuilt-binaries", "rust-rebuild",
];

test("each of Portage's own set names written without '@' gets the quoted '@set' as its fix", () => {
  for (const set of portageSets) {
    assert.deepEqual(load(`tasks:\n  - upgrade: ${set}\n`).problems, [
      `6:14: tasks[0].upgrade: '${set}' is a set name without its '@' (write upgrade: '@${set}', quoted because a plain YAML value cannot start with '@')`,
    ], set);
  }
});

test("a bad atom in the object form is reported at the 'atom' key", () => {
  assert.deepEqual(load("tasks:\n  - install: {atom: system}\n").problems, [
    "6:21: tasks[0].install.atom: 'system' is a set name without its '@' (write install: '@system', quoted because a plain YAML value cannot start with '@')",
  ]);
  assert.deepEqual(load("tasks:\n  - install: {atom: 'foo bar'}\n").problems, [
    "6:25: tasks[0].install.atom: bad atom 'foo bar': a space is not allowed in an atom ('foo bar')",
  ]);
});

test("a task name of 200 characters is accepted, one of 201 is too long for file names", () => {
  assert.deepEqual(load(`tasks:\n  - install: {atom: a/b, name: ${"a".repeat(200)}}\n`).ids, ["a".repeat(200)]);
  assert.deepEqual(load(`tasks:\n  - install: {atom: a/c, name: ${"b".repeat(201)}}\n`).problems, [
    "6:32: tasks[0].install.name: the task's name (given, or made from its atom) is 201 characters long; it becomes file names, which allow at most 200 here (give the task a shorter 'name')",
  ]);
});

test("the same task written twice in one file points at the first, not at an include", () => {
  assert.deepEqual(load("tasks:\n  - install: app-misc/foo\n  - install: app-misc/foo\n").problems, [
    "7:5: tasks[1]: task 'install-app-misc-foo' is the same as the task at /c/binpkgbot.yml:6 (remove the duplicate, or give one of them a different 'name')",
  ]);
});

test("ids are made from kind and atom, with every run of other characters one '-'", () => {
  assert.deepEqual(load("tasks:\n  - install: '>=app-misc/foo-1.2'\n  - upgrade: '@world'\n").ids, ["install-app-misc-foo-1-2", "upgrade-world"]);
});

test("a task whose modifiers are bad is reported for them alone, not also as a duplicate", () => {
  assert.deepEqual(load("tasks:\n  - install: {atom: app-misc/foo, use: ''}\n  - install: app-misc/foo\n").problems, [
    "6:40: tasks[0].install.use: empty USE entry (remove it or write flags like 'x265 -doc')",
  ]);
});
