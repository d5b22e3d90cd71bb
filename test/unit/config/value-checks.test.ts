// Values that pass the schema but would do harm: the host's root as a directory, binds over binpkgbot's own
// mounts, emerge option values no command line can carry. Each message names the key and says why.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { loadConfig } from "../../../src/config/load.js";
import { checkArgvText, MAX_ARG_BYTES } from "../../../src/config/value-checks.js";
import type { ConfigIssue } from "../../../src/config/issues.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

/** Every problem and warning of a config, formatted as the CLI prints them. */
function problems(text: string): string[] {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
  return (result.ok ? result.warnings : result.issues).map(formatIssue);
}

function argv(text: string, maxBytes: number): { ok: boolean; issues: Array<Omit<ConfigIssue, "file">> } {
  const issues: Array<Omit<ConfigIssue, "file">> = [];
  return { ok: checkArgvText(text, ["k"], maxBytes, (issue) => issues.push(issue)), issues };
}

test("the host's root as etc_portage, portage_repo or state_dir is refused with what would happen", () => {
  assert.deepEqual(problems("stage: /s\netc_portage: /\nportage_repo: /r\npkgdir: /p\n"), [
    "/c/binpkgbot.yml:2:14: etc_portage: '/' is the host's root: the whole host would be copied into every container as /etc/portage (give a directory of its own)",
  ]);
  assert.deepEqual(problems("stage: /s\netc_portage: /e\nportage_repo: /\npkgdir: /p\n"), [
    "/c/binpkgbot.yml:3:15: portage_repo: '/' is the host's root: the host's root would be bound into every container, writable for the sync (give a directory of its own)",
  ]);
  assert.deepEqual(problems(`${HEAD}state_dir: /\n`), [
    "/c/binpkgbot.yml:5:12: state_dir: '/' is the host's root: logs, work files and the state database would be written into the host's root (give a directory of its own)",
  ]);
});

test("a blank state_dir is the config's own directory, and the message says so", () => {
  assert.deepEqual(problems(`${HEAD}state_dir: ' '\n`), [
    "/c/binpkgbot.yml:5:12: state_dir: an empty path means the config's own directory, /c (write the directory's path)",
  ]);
});

test("a bind over /var/log/portage names Portage's build logs as what it hides", () => {
  assert.deepEqual(problems(`${HEAD}binds: [/var/log]\n`), [
    "/c/binpkgbot.yml:5:9: binds[0]: a mount at /var/log hides Portage's build logs, which binpkgbot mounts at /var/log/portage (mount it elsewhere)",
  ]);
});

test("a file bound into /etc/portage warns, written as a plain path too, and says what to do", () => {
  assert.deepEqual(problems(`${HEAD}binds: [/etc/portage/repos.conf]\n`), [
    "/c/binpkgbot.yml:5:9: warning: binds[0]: this bind takes the place of /etc/portage/repos.conf from etc_portage in every container, and of what binpkgbot writes there for a task (put the file into etc_portage instead, unless it must come from elsewhere)",
  ]);
});

test("a repository location below /etc/portage is no bind over etc_portage's files: no warning", () => {
  assert.deepEqual(problems(`${HEAD}portage_repo_location: /etc/portage/repo\n`), []);
});

test("a bind's problem names the key it was written with: ro, from or to", () => {
  assert.deepEqual(problems(`${HEAD}binds: [{ro: /etc/portage}]\n`), [
    "/c/binpkgbot.yml:5:14: binds[0].ro: a mount at /etc/portage hides the copy of etc_portage with each task's package.* files, which binpkgbot mounts at /etc/portage (put the files into etc_portage instead)",
  ]);
  assert.deepEqual(problems(`${HEAD}binds: [{from: /etc/portage}]\n`), [
    "/c/binpkgbot.yml:5:16: binds[0].from: a mount at /etc/portage hides the copy of etc_portage with each task's package.* files, which binpkgbot mounts at /etc/portage (put the files into etc_portage instead)",
  ]);
});

test("the host's root is refused as writable only when the bind is writable (rw, or from with writable: true)", () => {
  const hidesRoot = (key: string, column: number): string => `/c/binpkgbot.yml:5:${column}: binds[0].${key}: a mount at / hides the stage's whole root in every container (mount it at a directory below /)`;
  const writableRoot = (key: string, column: number): string => `/c/binpkgbot.yml:5:${column}: binds[0].${key}: the host's root would be writable in every container (bind only the directory that needs to be writable)`;
  assert.deepEqual(problems(`${HEAD}binds: [{ro: /}]\n`), [hidesRoot("ro", 14)]);
  assert.deepEqual(problems(`${HEAD}binds: [{from: /, writable: false}]\n`), [hidesRoot("from", 16)]);
  assert.deepEqual(problems(`${HEAD}binds: [{from: /, writable: true}]\n`), [writableRoot("from", 16)]);
  assert.deepEqual(problems(`${HEAD}binds: [{rw: /}]\n`), [writableRoot("rw", 14)]);
});

test("an emerge option value with a control character is refused once, at the character", () => {
  assert.deepEqual(problems(`${HEAD}emerge_options: ["--ask=\\x01y"]\n`), [
    "/c/binpkgbot.yml:5:25: emerge_options[0]: holds the control character \"\\u0001\", which no command-line argument or environment value can carry (remove it)",
  ]);
});

test("a control character in what is no emerge option at all gives that one problem, not a second", () => {
  assert.deepEqual(problems(`${HEAD}emerge_options: ["x--ask=\\x01"]\n`), [
    "/c/binpkgbot.yml:5:19: emerge_options[0]: 'x--ask=\x01' is not an emerge option (emerge options look like -v or --jobs=2)",
  ]);
});

test("a clean --ask=VALUE still gets its meaning checked after the text check", () => {
  assert.deepEqual(problems(`${HEAD}emerge_options: ["--ask=y"]\n`), [
    "/c/binpkgbot.yml:5:18: emerge_options[0]: '--ask=y' (--ask): emerge refuses it without a terminal, and builds run without one, so every task would fail (remove it, or write --ask=n)",
  ]);
});

test("config_protect_mask may fill one environment string, less the --setenv=CONFIG_PROTECT_MASK= before it", () => {
  const room = MAX_ARG_BYTES - "--setenv=CONFIG_PROTECT_MASK=".length;
  assert.deepEqual(problems(`${HEAD}config_protect_mask: ${"a".repeat(room)}\n`), []);
  assert.deepEqual(problems(`${HEAD}config_protect_mask: ${"a".repeat(room + 1)}\n`), [
    `/c/binpkgbot.yml:5:22: config_protect_mask: ${room + 1} bytes are more than one command-line argument can hold (${room}) (shorten it)`,
  ]);
});

test("checkArgvText: NUL is named, the byte limit is inclusive, and the answer says whether the text is usable", () => {
  assert.deepEqual(argv("a\0b", 10), { ok: false, issues: [{ path: ["k"], offset: 1, message: "holds a NUL character, which no command-line argument or environment value can carry", hint: "remove it" }] });
  assert.deepEqual(argv("é".repeat(5), 10), { ok: true, issues: [] });
  assert.deepEqual(argv("é".repeat(5) + "x", 10), { ok: false, issues: [{ path: ["k"], message: "11 bytes are more than one command-line argument can hold (10)", hint: "shorten it" }] });
});
