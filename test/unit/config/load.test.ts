import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import type { BuildTask, Config } from "../../../src/config/config.js";
import { formatIssue } from "../../../src/config/issues.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { repoRoot } from "../../support/fixtures.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\n";

function load(files: Record<string, string>, root = "/c/binpkgbot.yml"): Config {
  const result = loadConfig(root, memoryFiles(files));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result.config;
}

function problems(files: Record<string, string>, root = "/c/binpkgbot.yml"): string[] {
  const result = loadConfig(root, memoryFiles(files));
  assert.equal(result.ok, false);
  return result.ok ? [] : result.issues.map(formatIssue);
}

const atoms = (config: Config): string[] => config.tasks.map((task) => (task.kind === "run" ? "run" : task.kind === "server" ? `server ${task.server}` : task.atom));

test("the example loads as written and plans every task", () => {
  const result = loadConfig(path.join(repoRoot, "examples", "binpkgbot.yml"), diskConfigFiles);
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  const { config } = result;
  assert.equal(config.pkgdir, "/mnt/vol/packages");
  assert.equal(config.portageRepo, "/var/db/repos/gentoo");
  assert.deepEqual(config.binds, [], "no bind of a host path that may not exist");
  assert.deepEqual(atoms(config).slice(0, 4), ["@world", "@preserved-rebuild", "sys-process/htop", "media-video/ffmpeg"]);
  const ffmpeg = config.tasks[3] as BuildTask;
  assert.deepEqual(ffmpeg.modifiers, {
    use: [{ atom: "media-video/ffmpeg", tokens: ["x265"] }],
    acceptKeywords: [{ atom: "media-video/ffmpeg", keywords: ["~*"] }],
    unmask: ["media-video/ffmpeg"],
    mask: [],
  });
  const plan = planRun({ config, host: { systemdPid1: true, stageFilesystem: "btrfs" }, runId: "r" });
  assert.equal(plan.steps.length, config.tasks.length + 1, "sync, then one step per task");
  assert.deepEqual(plan.steps[0]?.kind === "container" && plan.steps[0].spec.command, ["emerge", "--sync"]);
  assert.equal(plan.steps[1]?.kind === "container" && plan.steps[1].spec.ephemeral, false, "upgrade persists");
  assert.equal(plan.steps[2]?.kind === "container" && plan.steps[2].spec.ephemeral, false, "install with persist: true");
});

test("PKGDIR given the original tool's way: a writable bind to /usr/portage/packages", () => {
  const config = load({ "/c/binpkgbot.yml": "stage: /s\netc_portage: /e\nportage_repo: /r\nbinds:\n  - {from: /mnt/vol/packages, to: /usr/portage/packages, writable: true}\n" });
  assert.equal(config.pkgdir, "/mnt/vol/packages");
  assert.equal(config.pkgdirLocation, "/usr/portage/packages");
  assert.ok(!config.binds.some((bind) => bind.to === "/usr/portage/packages"), "the PKGDIR bind is not bound twice");
});

test("defaults of every optional key", () => {
  const config = load({ "/c/binpkgbot.yml": HEAD });
  assert.equal(config.portageRepoLocation, "/var/db/repos/gentoo");
  assert.equal(config.pkgdirLocation, "/var/cache/binpkgs");
  assert.equal(config.distdir, null);
  assert.equal(config.distdirLocation, "/var/cache/distfiles");
  assert.match(config.stateDir, /^\/var\/lib\/binpkgbot\/binpkgbot-[0-9a-f]{8}$/, "a directory of this config's own");
  assert.equal(config.configProtectMask, "/etc");
  assert.equal(config.useSudo, false);
  assert.deepEqual(config.emergeOptions, []);
  assert.deepEqual(config.sync, { kind: "emerge" });
  assert.deepEqual(config.tasks, []);
});

test("config_protect_mask: false leaves it alone; a string is the value", () => {
  assert.equal(load({ "/c/binpkgbot.yml": `${HEAD}config_protect_mask: false\n` }).configProtectMask, null);
  assert.equal(load({ "/c/binpkgbot.yml": `${HEAD}config_protect_mask: /etc /usr/share/config\n` }).configProtectMask, "/etc /usr/share/config");
});

test("relative paths are relative to the config file", () => {
  const config = load({ "/c/binpkgbot.yml": "stage: stage\netc_portage: ../e\nportage_repo: /r\npkgdir: ./p\n" });
  assert.equal(config.stage, "/c/stage");
  assert.equal(config.etcPortage, "/e");
  assert.equal(config.pkgdir, "/c/p");
});

test("binds: a string, ro, rw and from/to/writable", () => {
  const config = load({ "/c/binpkgbot.yml": `${HEAD}binds:\n  - /a\n  - ro: /b\n  - rw: /c2\n  - {from: /d, to: /inside}\n  - {from: /e2, to: /x, writable: true}\n` });
  assert.deepEqual(config.binds, [
    { from: "/a", to: "/a", writable: false },
    { from: "/b", to: "/b", writable: false },
    { from: "/c2", to: "/c2", writable: true },
    { from: "/d", to: "/inside", writable: false },
    { from: "/e2", to: "/x", writable: true },
  ]);
});

test("includes run in file-name order, nest, and keep their place among the tasks", () => {
  const config = load({
    "/c/binpkgbot.yml": `${HEAD}tasks:\n  - install: a/first\n  - include: d/*.yml\n  - install: a/last\n`,
    "/c/d/20-b.yml": "- install: b/twenty\n",
    "/c/d/100-c.yml": "- install: b/hundred\n- include: ../nested/*\n",
    "/c/d/.hidden.yml": "- install: b/hidden\n",
    "/c/nested/x.yml": "- install: n/nested\n",
  });
  assert.deepEqual(atoms(config), ["a/first", "b/hundred", "n/nested", "b/twenty", "a/last"]);
  const nested = config.tasks[2];
  assert.equal(nested?.origin.file, "/c/nested/x.yml");
  assert.deepEqual(nested?.origin.includedFrom, ["/c/binpkgbot.yml", "/c/d/100-c.yml"]);
});

test("an include cycle is an error at the include that closes it", () => {
  const lines = problems({
    "/c/binpkgbot.yml": `${HEAD}tasks:\n  - include: a.yml\n`,
    "/c/a.yml": "- include: b.yml\n",
    "/c/b.yml": "- include: a.yml\n",
  });
  assert.deepEqual(lines, ["/c/b.yml:1:12: [0].include: include cycle: binpkgbot.yml → a.yml → b.yml → a.yml (remove the include that leads back to a file already being read)"]);
});

test("a file included twice (a diamond) is reported with both include chains", () => {
  const lines = problems({
    "/c/binpkgbot.yml": `${HEAD}tasks:\n  - include: a.yml\n  - include: b.yml\n`,
    "/c/a.yml": "- include: common.yml\n",
    "/c/b.yml": "- include: common.yml\n- install: x/b\n",
    "/c/common.yml": "- run: {script: echo common}\n",
  });
  assert.deepEqual(lines, [
    "/c/common.yml:1:3: [0]: this task is included twice: through binpkgbot.yml → a.yml and through binpkgbot.yml → b.yml (include common.yml once, or give the tasks different names)",
  ]);
});

test("a cycle through a symlink is found by real path", () => {
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles(
    { "/c/binpkgbot.yml": `${HEAD}tasks:\n  - include: link.yml\n`, "/c/link.yml": "- include: binpkgbot.yml\n" },
    { "/c/link.yml": "/c/binpkgbot.yml" },
  ));
  assert.equal(result.ok, false);
  assert.match(result.ok ? "" : result.issues.map(formatIssue).join("\n"), /include cycle/);
});

test("every problem is reported at once, sorted by position", () => {
  const lines = problems({ "/c/binpkgbot.yml": "stage: 1\nbogus: x\ntasks:\n  - install: 'a/b;c'\n  - upgrade: {atom: '@world', use: x}\n" });
  assert.equal(lines.length, 7, lines.join("\n"));
  assert.match(lines[0] ?? "", /^\/c\/binpkgbot.yml:1:1: \(top level\): missing required key 'etc_portage'/);
});
