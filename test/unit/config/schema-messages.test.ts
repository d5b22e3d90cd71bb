// Exact messages of the schema checks and of task modifiers: key path, what is wrong and the fix.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

/** The problems of HEAD plus `body`, without the file name. */
function problems(body: string): string[] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": HEAD + body }));
  return result.ok ? [] : result.issues.map((issue) => formatIssue(issue).replace("/c/binpkgbot.yml:", ""));
}

test("an unknown key gets the nearest known key, or the list of known keys when none is near", () => {
  assert.deepEqual(problems("stag: /x\n"), ["5:1: stag: unknown key 'stag' (did you mean 'stage'?)"]);
  const [far] = problems("zzzzzzzzzzzz: 1\n");
  assert.match(far ?? "", /^5:1: zzzzzzzzzzzz: unknown key 'zzzzzzzzzzzz' \(known keys: stage, etc_portage, portage_repo, portage_repo_location, pkgdir, /);
});

test("a key that is not a plain string is named as such", () => {
  assert.deepEqual(problems("? [a]\n: 1\n"), ["1:1: (top level): keys must be plain strings"]);
});

test("an empty value says 'got nothing', not 'a number'", () => {
  assert.deepEqual(problems("use_sudo_for_nspawn:\n"), ["5:21: use_sudo_for_nspawn: expected true or false, got nothing"]);
  assert.deepEqual(problems("use_sudo_for_nspawn: 1\n"), ["5:22: use_sudo_for_nspawn: expected true or false, got a number"]);
});

test("whole-number minimums are inclusive: stage_generations 1 and keep_failed 0 are valid, one less is not", () => {
  assert.deepEqual(problems("stage_generations: 1\nkeep_failed: 0\n"), []);
  assert.deepEqual(problems("stage_generations: 0\n"), ["5:20: stage_generations: expected a whole number of at least 1, got 0"]);
  assert.deepEqual(problems("keep_failed: -1\n"), ["5:14: keep_failed: expected a whole number of at least 0, got -1"]);
});

test("one bad list item is reported once, at its index", () => {
  assert.deepEqual(problems("emerge_options: ['--verbose', 3]\n"), ["5:31: emerge_options[1]: expected a string, got a number"]);
});

test("an empty mapping names its required keys as the fix, and only where it has any", () => {
  assert.deepEqual(problems("signing:\n"), ["5:9: signing: expected a mapping, got nothing (write its required keys: key, gnupg_home)"]);
  assert.deepEqual(problems("notify:\n"), ["5:8: notify: expected a mapping, got nothing"]);
});

test("a missing required key is reported with its description as the fix", () => {
  assert.deepEqual(problems("notify:\n  mail: {from: a@b}\n"), ["6:9: notify.mail: missing required key 'to' (who gets the mail (comma-separated addresses))"]);
  assert.deepEqual(problems("notify:\n  mail: {to: 5}\n"), ["6:14: notify.mail.to: expected a string, got a number"]);
});

test("an alias where only 'true' fits is reported once, as an alias", () => {
  assert.deepEqual(problems("use_sudo_for_nspawn: &t true\ntasks:\n  - install: {atom: a/b, unmask: *t}\n"), [
    "7:34: tasks[0].install.unmask: the YAML alias '*t' is not expanded in binpkgbot's config (write the value out here instead of the alias)",
  ]);
});

test("task entries: not a mapping, no kind, two kinds, an unknown kind, an alias", () => {
  assert.deepEqual(problems("tasks:\n  - app-misc/foo\n"), ["6:5: tasks[0]: expected a mapping with one of upgrade, install, include, run, server (e.g. '- install: app-misc/foo')"]);
  assert.deepEqual(problems("tasks:\n  - {}\n"), ["6:5: tasks[0]: a task has exactly one of upgrade, install, include, run, server; found none (indent the task's options under its kind)"]);
  assert.deepEqual(problems("tasks:\n  - {install: a/b, run: x}\n"), ["6:5: tasks[0]: a task has exactly one of upgrade, install, include, run, server; found install, run (indent the task's options under its kind)"]);
  assert.deepEqual(problems("tasks:\n  - instal: a/b\n"), ["6:5: tasks[0].instal: unknown task kind 'instal' (did you mean 'install'?)"]);
  assert.deepEqual(problems("tasks:\n  - zzzzzzzz: a/b\n"), ["6:5: tasks[0].zzzzzzzz: unknown task kind 'zzzzzzzz' (use one of upgrade, install, include, run, server)"]);
  assert.deepEqual(problems("tasks:\n  - {[a]: 1}\n"), ["6:5: tasks[0].?: unknown task kind '?' (use one of upgrade, install, include, run, server)"]);
  assert.deepEqual(problems("pkgdir_location: &t /x\ntasks:\n  - *t\n"), ["7:5: tasks[0]: the YAML alias '*t' is not expanded in binpkgbot's config (write the value out here instead of the alias)"]);
});

test("modifiers without an atom on a set task name the modifier and the set", () => {
  const hint = "(start the entry with an atom, e.g. '*/* flag' or 'cat/pkg flag')";
  assert.deepEqual(problems("tasks:\n  - install: {atom: '@world', accept_keywords: true}\n"), [
    `6:48: tasks[0].install.accept_keywords: keywords without an atom apply to the task's atom, but @world is a set ${hint}`,
  ]);
  assert.deepEqual(problems("tasks:\n  - install: {atom: '@world', accept_keywords: '~amd64'}\n"), [
    `6:48: tasks[0].install.accept_keywords: keywords without an atom apply to the task's atom, but @world is a set ${hint}`,
  ]);
  assert.deepEqual(problems("tasks:\n  - install: {atom: '@world', unmask: true, mask: true}\n"), [
    `6:39: tasks[0].install.unmask: 'unmask: true' without an atom apply to the task's atom, but @world is a set ${hint}`,
    `6:51: tasks[0].install.mask: 'mask: true' without an atom apply to the task's atom, but @world is a set ${hint}`,
  ]);
});

test("empty and many-word modifier entries say what they got and how to write them", () => {
  assert.deepEqual(problems("tasks:\n  - install: {atom: app-misc/foo, accept_keywords: ''}\n"), [
    "6:52: tasks[0].install.accept_keywords: empty keywords entry (write 'true', '~amd64' or 'cat/pkg ~amd64')",
  ]);
  assert.deepEqual(problems("tasks:\n  - install: {atom: app-misc/foo, unmask: '', mask: 'a/b c/d'}\n"), [
    "6:43: tasks[0].install.unmask: expected one atom, got nothing (write one atom per list entry)",
    "6:53: tasks[0].install.mask: expected one atom, got 2 words (write one atom per list entry)",
  ]);
});

test("modifier atoms may be wildcards but not sets", () => {
  assert.deepEqual(problems("tasks:\n  - install: {atom: app-misc/foo, unmask: 'app-misc/*', mask: '@world'}\n"), [
    "6:64: tasks[0].install.mask: bad atom '@world': package sets like '@world' are not allowed here; list the packages instead",
  ]);
});

test("a modifier atom of 1024 characters is checked as an atom; one of 1025 is too long", () => {
  const atom = (length: number): string => `a/${"x".repeat(length - 2)}`;
  assert.deepEqual(problems(`tasks:\n  - install: {atom: a/b, unmask: '${atom(1024)}', mask: '${atom(1025)}'}\n`), [
    `6:2093: tasks[0].install.mask: bad atom '${atom(60)}…': it is 1025 characters long, more than any atom can be (1024); category and package names are file names`,
  ]);
});

test("a bad atom of 80 characters is quoted whole, one of 81 by its first 60", () => {
  const bad = (length: number): string => `a/${"x".repeat(length - 3)};`;
  const [whole] = problems(`tasks:\n  - install: {atom: a/b, mask: '${bad(80)}'}\n`);
  assert.match(whole ?? "", new RegExp(`bad atom '${bad(80)}': `));
  const [cut] = problems(`tasks:\n  - install: {atom: a/b, mask: '${bad(81)}'}\n`);
  assert.match(cut ?? "", new RegExp(`bad atom '${bad(81).slice(0, 60)}…': `));
});

test("a list with a bad item is not handed on with a hole: one bad bind gives its problem, not a crash", () => {
  assert.deepEqual(problems("binds: ['/a', 5]\n"), ["5:15: binds[1]: expected a string or a mapping, got a number"]);
});
