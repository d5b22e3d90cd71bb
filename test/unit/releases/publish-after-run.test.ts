// publish.when decides which finished runs become releases (src/releases/publish-config.ts), on real
// files: a hard-link release of a temporary PKGDIR.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { Config, ReleaseSettings } from "../../../src/config/config.js";
import { publishAfterRun, type CoverageCheck } from "../../../src/releases/publish-config.js";
import { readReleases } from "../../../src/releases/read-releases.js";
import { releasesLayout } from "../../../src/releases/release-layout.js";
import { decidePublish } from "../../../src/releases/release.js";
import { directoryBtrfs } from "../stage/directory-btrfs.js";

async function config(t: TestContext, publish: ReleaseSettings["publish"]): Promise<Config> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-publish-run-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const sub of ["binpkgs", "repo/metadata", "repo/profiles", "stage"]) await mkdir(join(dir, sub), { recursive: true });
  await writeFile(join(dir, "binpkgs", "Packages"), "PACKAGES: 0\n\n");
  await writeFile(join(dir, "repo", "metadata", "timestamp.chk"), "Mon, 30 Nov 2026 00:45:01 +0000\n");
  return {
    file: join(dir, "binpkgbot.yml"), pkgdir: join(dir, "binpkgs"), portageRepo: join(dir, "repo"), stage: join(dir, "stage"),
    releases: { dir: join(dir, "releases"), keep: 10, publish },
  } as Config;
}

const deps = { exec: directoryBtrfs(), now: () => new Date("2026-12-01T10:00:00Z") };
const numbers = async (c: Config): Promise<number[]> => (await readReleases(releasesLayout(c.releases!.dir))).map((release) => release.number);

test("decidePublish: success publishes only succeeded runs, always every run, nothing without a publish key", () => {
  assert.deepEqual(["succeeded", "failed", "interrupted"].map((result) => decidePublish("success", result as "failed").publish), [true, false, false]);
  assert.deepEqual(["succeeded", "failed", "interrupted"].map((result) => decidePublish("always", result as "failed").publish), [true, true, true]);
  assert.deepEqual(["succeeded", "failed", "interrupted"].map((result) => decidePublish("covered", result as "failed").publish), [true, false, false]);
  assert.equal(decidePublish(null, "succeeded").publish, false);
});

test("a succeeded run is published with the repository's identity, the stage generation and the run id", async (t) => {
  const c = await config(t, "success");
  const said = await publishAfterRun(c, { result: "succeeded", runId: 12 }, deps);
  assert.match(said.notice ?? "", /^published release 1 \(0 binpkgs, hardlinks\)/);
  const meta = JSON.parse(await readFile(join(c.releases!.dir, "1.json"), "utf8")) as Record<string, unknown>;
  assert.equal(meta.repository, "timestamp:Mon, 30 Nov 2026 00:45:01 +0000");
  assert.equal(meta.stageGeneration, "plain");
  assert.equal(meta.run, 12);
});

test("a failed or interrupted run is not published unless publish.when is always", async (t) => {
  const c = await config(t, "success");
  assert.deepEqual(await publishAfterRun(c, { result: "failed", runId: 1 }, deps), { notice: "not published: the run failed: only publish.when: always publishes it" });
  await publishAfterRun(c, { result: "interrupted", runId: 2 }, deps);
  assert.deepEqual(await numbers(c), []);
  c.releases!.publish = "always";
  await publishAfterRun(c, { result: "interrupted", runId: 3 }, deps);
  assert.deepEqual(await numbers(c), [1]);
});

test("without a publish key a run publishes nothing and says nothing", async (t) => {
  const c = await config(t, null);
  assert.deepEqual(await publishAfterRun(c, { result: "succeeded", runId: 1 }, deps), {});
  assert.deepEqual(await numbers(c), []);
});

test("covered publishes only when the coverage check says no server would compile, and warns without servers", async (t) => {
  const c = await config(t, "covered");
  assert.match((await publishAfterRun(c, { result: "succeeded", runId: 1 }, deps)).warning ?? "", /publish\.when: covered needs servers declared in .*binpkgbot\.yml/);
  const says = (covered: boolean): CoverageCheck => ({ check: async () => ({ covered, detail: "web1 would compile dev-libs/foo-2" }) });
  assert.deepEqual(await publishAfterRun(c, { result: "succeeded", runId: 2 }, { ...deps, coverage: says(false) }), { notice: "not published: web1 would compile dev-libs/foo-2" });
  assert.deepEqual(await numbers(c), []);
  await publishAfterRun(c, { result: "succeeded", runId: 3 }, { ...deps, coverage: says(true) });
  assert.deepEqual(await numbers(c), [1]);
});
