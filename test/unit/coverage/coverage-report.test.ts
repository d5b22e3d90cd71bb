// One server's coverage from its pretend output (src/coverage/coverage-report.ts) and the grouped
// install tasks of --suggest (src/coverage/suggest-tasks.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { coverageDocument, renderCoverage, summarizeServer, type ServerCoverage } from "../../../src/coverage/coverage-report.js";
import { renderSuggestedTasks } from "../../../src/coverage/suggest-tasks.js";
import { parsePretendOutput } from "../../../src/portage/pretend-output.js";

const OUTPUT = [
  "[binary  N     ] dev-libs/libevent-2.1.12-3 ",
  '[ebuild  N     ] app-misc/tmux-3.5a  USE="systemd -debug" ',
  '[ebuild  N     ] dev-lang/rust-1.83.0  USE="-doc" ',
  "[ebuild  N     ] sys-kernel/gentoo-sources-6.12.4 ",
  "",
  "!!! The following binary packages have been ignored due to non matching USE:",
  "",
  "    =app-misc/tmux-3.5a -systemd",
  "",
].join("\n");

test("binaries counted; a build with an ignored binpkg is a USE gap, one without is a missing binpkg", () => {
  const result = summarizeServer("web1", [], parsePretendOutput(OUTPUT), 0, "");
  assert.deepEqual(result, {
    server: "web1", status: "uncovered", binaries: 1, accepted: [], blocked: [],
    compile: [
      { cpv: "app-misc/tmux-3.5a", cp: "app-misc/tmux", use: ["systemd", "-debug"], reason: { kind: "use", wanted: ["systemd"], available: ["-systemd"] } },
      { cpv: "dev-lang/rust-1.83.0", cp: "dev-lang/rust", use: ["-doc"], reason: { kind: "no-binpkg" } },
      { cpv: "sys-kernel/gentoo-sources-6.12.4", cp: "sys-kernel/gentoo-sources", use: [], reason: { kind: "no-binpkg" } },
    ],
  });
  assert.deepEqual(renderCoverage(result), [
    "web1: 1 from binpkgs, 3 to compile",
    "  app-misc/tmux-3.5a: binpkgs of this version have other USE: wanted 'systemd', available '-systemd'",
    "  dev-lang/rust-1.83.0: no binpkg of this version",
    "  sys-kernel/gentoo-sources-6.12.4: no binpkg of this version",
  ]);
});

test("ignore: exact atoms, versioned atoms and wildcards accept a compile; what is left decides", () => {
  const partly = summarizeServer("web1", ["dev-lang/rust", "sys-kernel/*"], parsePretendOutput(OUTPUT), 0, "");
  assert.deepEqual(partly.status === "uncovered" && [partly.accepted, partly.compile.map((entry) => entry.cpv)], [
    ["dev-lang/rust-1.83.0", "sys-kernel/gentoo-sources-6.12.4"], ["app-misc/tmux-3.5a"],
  ]);
  const all = summarizeServer("web1", [">=app-misc/tmux-3", "dev-lang/rust", "sys-kernel/*"], parsePretendOutput(OUTPUT), 0, "");
  assert.equal(all.status, "covered");
  assert.equal(summarizeServer("web1", ["<app-misc/tmux-3", "dev-lang/rust", "*/gentoo-sources"], parsePretendOutput(OUTPUT), 0, "").status, "uncovered", "a version range that misses");
  assert.deepEqual(renderCoverage(all), ["web1: 1 from binpkgs, 0 to compile (3 more accepted by ignore)"]);
});

test("a masked atom is a gap with its reasons; a failed emerge without any known line is an error, not 'covered'", () => {
  const masked = parsePretendOutput('\n!!! All ebuilds that could satisfy "app-misc/edge" have been masked.\n- app-misc/edge-2.0::gentoo (masked by: ~amd64 keyword)\n');
  const result = summarizeServer("db1", [], masked, 1, "");
  assert.equal(result.status, "uncovered");
  assert.deepEqual(renderCoverage(result).slice(1), ["  app-misc/edge: every version is masked for this server: app-misc/edge-2.0 (masked by: ~amd64 keyword)"]);
  assert.deepEqual(summarizeServer("db1", [], parsePretendOutput("!!! Invalid PORTDIR\n"), 1, "!!! Invalid PORTDIR"), {
    server: "db1", status: "error", message: "emerge --pretend exited with 1: !!! Invalid PORTDIR",
  });
});

test("--json: versioned, covered only when every server is", () => {
  const covered: ServerCoverage = { server: "a", status: "covered", binaries: 3, compile: [], blocked: [], accepted: [] };
  assert.deepEqual(coverageDocument([covered]), { version: 1, covered: true, servers: [covered] });
  assert.equal(coverageDocument([covered, { server: "b", status: "own-stage", reason: "arm64" }]).covered, false);
});

test("--suggest: one task per package and flags, shared by every server wanting the same; other flags get their own", () => {
  const gap = (server: string, wanted: string[], cpv = "app-misc/tmux-3.5a"): ServerCoverage => ({
    server, status: "uncovered", binaries: 0, blocked: [], accepted: [],
    compile: [{ cpv, cp: "app-misc/tmux", use: [], reason: { kind: "use", wanted, available: wanted.map((flag) => `-${flag}`) } }],
  });
  const noBinpkg: ServerCoverage = {
    server: "db1", status: "uncovered", binaries: 0, blocked: [], accepted: [],
    compile: [{ cpv: "dev-lang/rust-1.83.0", cp: "dev-lang/rust", use: [], reason: { kind: "no-binpkg" } }],
  };
  assert.deepEqual(renderSuggestedTasks([gap("web1", ["systemd", "-debug"]), gap("web2", ["-debug", "systemd"]), gap("web3", ["vim-syntax"]), noBinpkg]), [
    "# app-misc/tmux-3.5a for web1, web2",
    "- install: {atom: app-misc/tmux, use: '-debug systemd'}",
    "# app-misc/tmux-3.5a for web3",
    "- install: {atom: app-misc/tmux, use: 'vim-syntax'}",
    "# dev-lang/rust-1.83.0 for db1",
    "- install: dev-lang/rust",
  ]);
});

test("--suggest's lines are tasks binpkgbot.yml accepts, with the flags as written", async () => {
  const { loadConfig } = await import("../../../src/config/load.js");
  const { memoryFiles } = await import("../../support/memory-files.js");
  const lines = renderSuggestedTasks([{
    server: "web1", status: "uncovered", binaries: 0, blocked: [], accepted: [],
    compile: [{ cpv: "app-misc/tmux-3.5a", cp: "app-misc/tmux", use: [], reason: { kind: "use", wanted: ["-debug", "python_targets_python3_12"], available: [] } }],
  }]);
  const text = `stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\ntasks:\n${lines.map((line) => `  ${line}`).join("\n")}\n`;
  const result = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": text }));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  const [task] = result.ok ? result.config.tasks : [];
  assert.deepEqual(task?.kind === "install" && task.modifiers.use, [{ atom: "app-misc/tmux", tokens: ["-debug", "python_targets_python3_12"] }]);
});
