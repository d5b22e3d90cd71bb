// What loadFleet says about binpkgbot-fleet.yml: each problem at FILE:LINE:COLUMN with its key path and
// fix, a target's own problems located in its own config and naming the target, and directories two
// targets would share named in both configs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue } from "../../../src/config/issues.js";
import { isFleetFile, loadFleet, type LoadedFleet } from "../../../src/fleet/fleet-config.js";
import { memoryFiles } from "../../support/memory-files.js";

const FLEET = "/f/binpkgbot-fleet.yml";
const config = (name: string, extra = ""): string => `stage: /v/${name}/stage\netc_portage: /v/${name}/etc\nportage_repo: /repo\npkgdir: /v/${name}/packages\n${extra}`;
const TWO = [
  "targets:",
  "  desktop:",
  "    config: desktop.yml",
  "    labels: {arch: amd64, profile: default/linux/amd64/23.0/desktop}",
  "  arm:",
  "    config: /etc/arm.yml",
  "    labels:",
  "      arch: arm64",
  "      profile: default/linux/arm64/23.0",
  "      site: lab",
  "",
].join("\n");
const CONFIGS = { "/f/desktop.yml": config("desktop"), "/etc/arm.yml": config("arm") };

function load(fleet: string, configs: Record<string, string> = CONFIGS): LoadedFleet {
  const result = loadFleet(FLEET, memoryFiles({ [FLEET]: fleet, ...configs }));
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return result;
}

function problems(fleet: string, configs: Record<string, string> = CONFIGS): string[] {
  const result = loadFleet(FLEET, memoryFiles({ [FLEET]: fleet, ...configs }));
  if (result.ok) assert.fail("the fleet must be rejected");
  assert.equal(result.total, result.issues.length);
  return result.issues.map(formatIssue);
}

test("a fleet loads its targets in the file's order, configs relative to the fleet file, with their labels", () => {
  const { fleet, configs } = load(TWO);
  assert.equal(fleet.path, FLEET);
  assert.deepEqual(fleet.targets, [
    { name: "desktop", configPath: "/f/desktop.yml", labels: { arch: "amd64", profile: "default/linux/amd64/23.0/desktop" } },
    { name: "arm", configPath: "/etc/arm.yml", labels: { arch: "arm64", profile: "default/linux/arm64/23.0", site: "lab" } },
  ]);
  assert.equal(configs.get("desktop")?.stage, "/v/desktop/stage");
  assert.equal(configs.get("arm")?.pkgdir, "/v/arm/packages");
});

test("a fleet file is told apart from a binpkgbot.yml by its top-level targets: key", () => {
  const files = memoryFiles({ [FLEET]: TWO, ...CONFIGS, "/bad.yml": "targets: [", "/list.yml": "- targets\n" });
  assert.equal(isFleetFile(FLEET, files), true);
  assert.equal(isFleetFile("/f/desktop.yml", files), false);
  assert.equal(isFleetFile("/bad.yml", files), false);
  assert.equal(isFleetFile("/list.yml", files), false);
  assert.equal(isFleetFile("/missing.yml", files), false);
});

test("an unknown top-level key, and a fleet without targets:", () => {
  assert.deepEqual(problems("targtes: {}\n"), [
    `${FLEET}:1:1: targtes: unknown key 'targtes' (did you mean 'targets'?)`,
    `${FLEET}:1:1: (top level): missing required key 'targets' (the targets, by name: each {config: PATH, labels: {arch: …, profile: …}})`,
  ]);
});

test("an empty fleet, and targets that are not a mapping", () => {
  assert.deepEqual(problems("targets: {}\n"), [
    `${FLEET}:1:10: targets: the fleet has no target (add one: targets: {NAME: {config: binpkgbot.yml, labels: {arch: amd64, profile: …}}})`,
  ]);
  assert.deepEqual(problems("targets:\n  - desktop.yml\n"), [`${FLEET}:2:3: targets: expected a mapping, got a list`]);
});

test("a target name that cannot be one URL path segment is an error at the name", () => {
  assert.deepEqual(problems("targets:\n  Desktop/1:\n    config: desktop.yml\n    labels: {arch: amd64, profile: p}\n"), [
    `${FLEET}:2:3: targets.Desktop/1: 'Desktop/1' is not a target name (name targets with lower-case letters, digits, '_' and '-', starting with a letter or digit, e.g. amd64-desktop)`,
  ]);
});

test("a target without config or labels, and an unknown key in a target", () => {
  assert.deepEqual(problems("targets:\n  a:\n    cnofig: a.yml\n"), [
    `${FLEET}:3:5: targets.a.cnofig: unknown key 'cnofig' (did you mean 'config'?)`,
    `${FLEET}:3:5: targets.a: missing required key 'config' (the target's binpkgbot.yml, relative to the fleet file)`,
    `${FLEET}:3:5: targets.a: missing required key 'labels' (what the target is: arch and profile (e.g. arch: amd64, profile: default/linux/amd64/23.0/systemd), and any label of your own; workers pick targets by them)`,
  ]);
});

test("arch and profile are required labels; a label is a string a worker's --labels can name", () => {
  assert.deepEqual(problems("targets:\n  a:\n    config: desktop.yml\n    labels: {site: 'lab 2', Arch: x, n: 3, e: ''}\n"), [
    `${FLEET}:4:29: targets.a.labels.Arch: 'Arch' is not a label name (name labels with lower-case letters, digits, '_' and '-', starting with a letter, e.g. arch)`,
    `${FLEET}:4:41: targets.a.labels.n: expected a string, got a number`,
  ]);
  assert.deepEqual(problems("targets:\n  a:\n    config: desktop.yml\n    labels: {site: 'lab,2', e: ''}\n", CONFIGS), [
    `${FLEET}:4:13: targets.a.labels: missing required label 'arch' (add e.g. arch: amd64)`,
    `${FLEET}:4:13: targets.a.labels: missing required label 'profile' (add e.g. profile: default/linux/amd64/23.0/systemd)`,
    `${FLEET}:4:24: targets.a.labels.site: label 'site' holds ",", which a worker's --labels cannot name (write the value without spaces, commas or control characters)`,
    `${FLEET}:4:32: targets.a.labels.e: label 'e' is empty (give it a value, or remove the label)`,
  ]);
});

test("a target config that cannot be read is an error at the fleet file's config key", () => {
  assert.deepEqual(problems("targets:\n  a:\n    config: nowhere.yml\n    labels: {arch: amd64, profile: p}\n"), [
    `${FLEET}:3:13: targets.a.config: cannot read /f/nowhere.yml: no such file (fix the path, which is relative to the fleet file)`,
  ]);
});

test("two targets naming one config are an error at the second", () => {
  assert.deepEqual(problems("targets:\n  a:\n    config: desktop.yml\n    labels: {arch: amd64, profile: p}\n  b:\n    config: ./desktop.yml\n    labels: {arch: amd64, profile: q}\n"), [
    `${FLEET}:6:13: targets.b.config: target b names the same config as target a (/f/desktop.yml) (give each target its own binpkgbot.yml, or remove one of the two)`,
  ]);
});

test("a target's own problems are located in its config and name the target", () => {
  assert.deepEqual(problems(TWO, { ...CONFIGS, "/etc/arm.yml": `${config("arm")}jobs: many\nstgae: /x\n` }), [
    "/etc/arm.yml:5:7: jobs: target arm: expected 'auto' or a number, got 'many'",
    "/etc/arm.yml:6:1: stgae: target arm: unknown key 'stgae' (did you mean 'stage'?)",
  ]);
});

test("a target's warnings name the target and do not reject the fleet", () => {
  const { warnings } = load(TWO, { ...CONFIGS, "/etc/arm.yml": `${config("arm")}emerge_options: ['--pretend']\n` });
  assert.equal(warnings.length, 1);
  assert.match(formatIssue(warnings[0]!), /^\/etc\/arm\.yml:5:\d+: warning: emerge_options\[0\]: target arm: /);
});

test("two targets sharing a stage, a PKGDIR or a state directory: which keys, in both configs", () => {
  const shared = "stage: /v/one/stage\netc_portage: /e\nportage_repo: /repo\npkgdir: /v/one/packages\nstate_dir: /v/state\n";
  assert.deepEqual(problems(TWO, { "/f/desktop.yml": shared, "/etc/arm.yml": `# arm\n${shared}` }), [
    `/etc/arm.yml:2:8: stage: target arm: its stage /v/one/stage is also target desktop's (stage at /f/desktop.yml:1:8) (give each target its own stage: a stage, its PKGDIR and its state belong to one arch and profile)`,
    `/etc/arm.yml:5:9: pkgdir: target arm: its PKGDIR /v/one/packages is also target desktop's (pkgdir at /f/desktop.yml:4:9) (give each target its own pkgdir: a stage, its PKGDIR and its state belong to one arch and profile)`,
    `/etc/arm.yml:6:12: state_dir: target arm: its state directory /v/state is also target desktop's (state_dir at /f/desktop.yml:5:12) (give each target its own state_dir: a stage, its PKGDIR and its state belong to one arch and profile)`,
  ]);
});

test("a releases_dir of its own is shared like the others", () => {
  const desktop = `${config("desktop")}releases_dir: /v/releases\n`;
  assert.deepEqual(problems(TWO, { "/f/desktop.yml": desktop, "/etc/arm.yml": `${config("arm")}releases_dir: /v/releases\n` }), [
    `/etc/arm.yml:5:15: releases_dir: target arm: its releases directory /v/releases is also target desktop's (releases_dir at /f/desktop.yml:5:15) (give each target its own releases_dir: a stage, its PKGDIR and its state belong to one arch and profile)`,
  ]);
});

test("directories reached through a symlink are shared too", () => {
  const files = memoryFiles({ [FLEET]: TWO, ...CONFIGS, "/etc/arm.yml": config("arm").replace("/v/arm/stage", "/link/stage") }, { "/link/stage": "/v/desktop/stage" });
  const result = loadFleet(FLEET, files);
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(formatIssue(result.issues[0]!), /^\/etc\/arm\.yml:1:8: stage: target arm: its stage \/link\/stage is also target desktop's/);
});

test("YAML errors in the fleet file have their position", () => {
  assert.deepEqual(problems("targets:\n  a: {config: x\n"), [
    `${FLEET}:3:1: (top level): YAML: Flow map in block collection must be sufficiently indented and end with a } (fix the YAML syntax at this place)`,
  ]);
});

test("a target whose config is a fleet file, this one or another, is one problem at its config: line", () => {
  const self = TWO.replace("config: desktop.yml", "config: binpkgbot-fleet.yml");
  assert.deepEqual(problems(self), [
    `${FLEET}:3:13: targets.desktop.config: target desktop: config names this fleet file itself, not a binpkgbot.yml (point config: at the target's own binpkgbot.yml (stage, etc_portage, portage_repo, tasks); fleets do not nest)`,
  ]);
  const nested = TWO.replace("config: desktop.yml", "config: other-fleet.yml");
  assert.deepEqual(problems(nested, { ...CONFIGS, "/f/other-fleet.yml": TWO }), [
    `${FLEET}:3:13: targets.desktop.config: target desktop: config names a fleet file (/f/other-fleet.yml has targets:), not a binpkgbot.yml (point config: at the target's own binpkgbot.yml (stage, etc_portage, portage_repo, tasks); fleets do not nest)`,
  ]);
});
