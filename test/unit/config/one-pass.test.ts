// One pass finds every problem: a type error in one key or task never hides the checks of the others.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { fixture } from "../../support/fixtures.js";
import { memoryFiles } from "../../support/memory-files.js";

function problems(text: string): string[] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
  assert.equal(result.ok, false, "the config must be rejected");
  return result.ok ? [] : result.issues.map(formatIssue);
}

test("a file with 13 problems of every kind reports all 13, each at FILE:LINE:COLUMN", () => {
  const dir = fixture("bad-configs", "49-thirteen-problems-in-one-pass");
  const result = loadConfig(path.join(dir, "binpkgbot.yml"), diskConfigFiles);
  assert.equal(result.ok, false);
  const lines = result.ok ? [] : result.issues.map(formatIssue);
  assert.equal(lines.length, 13, lines.join("\n"));
  for (const line of lines) assert.match(line, /^\/.+\/binpkgbot\.yml:\d+:\d+: \S+: /);
  const keys = lines.map((line) => line.split(": ")[1]);
  assert.deepEqual(keys, [
    "stage_generations", "emerge_options[0]", "schedule", "notify.webhook", "status_listen",
    "tasks[0].install.persist", "tasks[1].install", "tasks[2].upgrade", "tasks[3].install.use",
    "tasks[3].install.mask[0]", "tasks[3].install.accept_keywords", "tasks[4].install", "tasks[5].instal",
  ]);
});

test("a wrong type in a required key still lets the daemon keys be checked", () => {
  const lines = problems("stage: [a]\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nschedule: soon\n");
  assert.equal(lines.length, 2, lines.join("\n"));
  assert.match(lines[1] ?? "", /:5:11: schedule: /);
});

test("a task with a wrong type does not hide a bad atom in the next task", () => {
  const lines = problems("stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\ntasks:\n  - install: {atom: a/b, persist: 1}\n  - install: 'c/d;e'\n");
  assert.deepEqual(lines.map((line) => line.split(": ")[1]), ["tasks[0].install.persist", "tasks[1].install"]);
});

test("an empty file names the required keys", () => {
  const [line] = problems("");
  assert.match(line ?? "", /stage, etc_portage, portage_repo/);
});

test("'upgrade: world' suggests the set @world", () => {
  const [line] = problems("stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\ntasks:\n  - upgrade: world\n");
  assert.match(line ?? "", /tasks\[0\]\.upgrade: 'world' is a set name without its '@' \(write upgrade: '@world'/);
});

test("an atom without category gets no made-up category in its hint", () => {
  const [line] = problems("stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\ntasks:\n  - install: tmux\n");
  assert.doesNotMatch(line ?? "", /media-libs/);
  assert.match(line ?? "", /'tmux' has no category: .*emerge --search '%\^tmux\$'/);
});
