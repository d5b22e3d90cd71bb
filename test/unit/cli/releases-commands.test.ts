// binpkgbot publish and releases list/diff/tag/keep/rollback on a temporary config, with --json.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readlink, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { publishCommand } from "../../../src/cli/commands/publish.js";
import { releasesCommand } from "../../../src/cli/commands/releases.js";
import type { CommandContext } from "../../../src/cli/command-context.js";
import { CliError } from "../../../src/cli/exit-codes.js";
import { directoryBtrfs } from "../stage/directory-btrfs.js";

async function setUp(t: TestContext, keep = 10): Promise<{ dir: string; run: (command: "publish" | "releases", ...args: string[]) => Promise<{ code: number; out: string }> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-releases-cli-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const sub of ["stage", "etc-portage", "repo/metadata", "repo/profiles", "binpkgs"]) await mkdir(path.join(dir, sub), { recursive: true });
  await writeFile(path.join(dir, "repo", "metadata", "timestamp.chk"), "sync 1\n");
  await writeFile(path.join(dir, "binpkgbot.yml"), `stage: stage\netc_portage: etc-portage\nportage_repo: repo\npkgdir: binpkgs\nstate_dir: state\nreleases_keep: ${keep}\n`);
  const run = async (command: "publish" | "releases", ...args: string[]): Promise<{ code: number; out: string }> => {
    const out: string[] = [];
    const context: CommandContext = {
      configFile: path.join(dir, "binpkgbot.yml"), args, stdout: (line) => out.push(line), stderr: () => undefined,
      exec: directoryBtrfs(), env: {}, now: () => new Date("2026-12-01T10:00:00Z"),
    };
    const code = command === "publish" ? await publishCommand(context) : await releasesCommand(context);
    return { code, out: out.join("\n") };
  };
  return { dir, run };
}

async function packages(dir: string, blocks: string[], repo: string): Promise<void> {
  await writeFile(path.join(dir, "binpkgs", "Packages.new"), `PACKAGES: ${blocks.length}\n\n${blocks.join("\n")}`);
  await rename(path.join(dir, "binpkgs", "Packages.new"), path.join(dir, "binpkgs", "Packages"));
  await writeFile(path.join(dir, "repo", "metadata", "timestamp.chk"), `${repo}\n`);
}

const block = (cpv: string, buildId: number, use: string, slot = "0"): string => `BUILD_ID: ${buildId}\nCPV: ${cpv}\nSLOT: ${slot}\nUSE: ${use}\n`;

test("publish, list, diff, tag, keep and rollback, each as a versioned JSON document", async (t) => {
  const { dir, run } = await setUp(t);
  await packages(dir, [block("dev-libs/a-1", 1, "x"), block("dev-libs/b-1", 1, ""), block("dev-libs/c-2", 1, "")], "sync 1");
  const first = JSON.parse((await run("publish", "--json")).out) as { version: number; release: { number: number; binpkgs: number; repository: string } };
  assert.deepEqual([first.version, first.release.number, first.release.binpkgs, first.release.repository], [1, 1, 3, "timestamp:sync 1"]);
  await packages(dir, [block("dev-libs/a-2", 1, "x"), block("dev-libs/c-2", 2, "y"), block("dev-libs/d-1", 1, "")], "sync 2");
  await run("publish");

  const listed = JSON.parse((await run("releases", "--json")).out) as { version: number; current: number; releases: { number: number; current: boolean }[] };
  assert.equal(listed.version, 1);
  assert.deepEqual(listed.releases.map((release) => [release.number, release.current]), [[1, false], [2, true]]);

  const diff = JSON.parse((await run("releases", "diff", "1", "2", "--json")).out) as { version: number; diff: { repository: unknown; added: { package: string }[]; removed: { package: string }[]; changed: { package: string; from: unknown[]; to: unknown[] }[] } };
  assert.equal(diff.version, 1);
  assert.deepEqual(diff.diff.repository, { from: "timestamp:sync 1", to: "timestamp:sync 2", changed: true });
  assert.deepEqual(diff.diff.added.map((change) => change.package), ["dev-libs/d:0"]);
  assert.deepEqual(diff.diff.removed.map((change) => change.package), ["dev-libs/b:0"]);
  assert.deepEqual(diff.diff.changed.map((change) => change.package), ["dev-libs/a:0", "dev-libs/c:0"]);
  assert.deepEqual(diff.diff.changed[1]?.to, [{ version: "2", buildId: 2, use: ["y"], path: "dev-libs/c-2.tbz2" }]);
  const text = (await run("releases", "diff", "1")).out;
  assert.match(text, /^~ dev-libs\/c:0 2#1 USE="" → 2#2 USE="y"$/m, "the default B is current");

  assert.equal(JSON.parse((await run("releases", "tag", "prod", "1", "--json")).out).release, 1);
  assert.equal(JSON.parse((await run("releases", "keep", "1", "--json")).out).pinned, true);
  const rolled = JSON.parse((await run("releases", "rollback", "--json")).out) as { from: number; to: number };
  assert.deepEqual([rolled.from, rolled.to], [2, 1]);
  assert.equal(await readlink(path.join(dir, "binpkgs.releases", "current")), "1");
  const after = JSON.parse((await run("releases", "--json")).out) as { releases: { number: number; tags: string[]; pinned: boolean; current: boolean }[] };
  assert.deepEqual(after.releases[0], { ...after.releases[0], tags: ["prod"], pinned: true, current: true });
  assert.match((await run("releases", "rollback", "prod")).out, /release 1 is current/, "a tag names a release");
});

test("releases_keep removes the oldest releases after a publish, but not a pinned or tagged one", async (t) => {
  const { dir, run } = await setUp(t, 1);
  await packages(dir, [], "sync 1");
  await run("publish");
  await run("releases", "keep", "1");
  await run("publish");
  await run("releases", "tag", "prod");
  await run("publish");
  const removed = JSON.parse((await run("publish", "--json")).out) as { removed: number[] };
  assert.deepEqual(removed.removed, [3]);
  const listed = JSON.parse((await run("releases", "--json")).out) as { releases: { number: number }[] };
  assert.deepEqual(listed.releases.map((release) => release.number), [1, 2, 4]);
});

test("an unknown release or tag is a usage error that lists what exists", async (t) => {
  const { run } = await setUp(t);
  await run("publish");
  await assert.rejects(run("releases", "rollback", "7"), (error: unknown) => error instanceof CliError && error.exitCode === 2 && /no release 7 .*releases: 1; tags: none/.test(error.message));
  await assert.rejects(run("releases", "tag", "9bad"), (error: unknown) => error instanceof CliError && /tag '9bad' is not usable: start with a letter/.test(error.message));
  await assert.rejects(run("releases", "rollback"), (error: unknown) => error instanceof CliError && /no release before the current one/.test(error.message));
});
