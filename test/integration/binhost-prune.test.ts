// `binpkgbot prune` on a PKGDIR of many instances built here: afterwards the index and the files
// match exactly, what a task added in its last successful run stays, --dry-run changes nothing,
// and a run holding the stage lock keeps prune out.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { scanPkgdirFiles } from "../../src/binhost/pkgdir-files.js";
import { acquireStageLock } from "../../src/container/stage-lock.js";
import { stageLockFile } from "../../src/plan/plan-run.js";
import { parsePackagesIndex } from "../../src/portage/packages-index.js";
import { openStateDatabase } from "../../src/state/database.js";
import { repoRoot } from "../support/fixtures.js";
import { treeManifest } from "./support/tree-manifest.js";
import { age, instancePath, makeGpkg, renderIndexText, tarAvailable, type IndexBlock } from "../unit/binhost/support/make-gpkg.js";

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");
const skip = tarAvailable() ? false : "needs GNU tar";
const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-prune-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const pkgdir = path.join(dir, "packages");
const repo = path.join(dir, "gentoo");
const stateDir = path.join(dir, "state");
const configFile = path.join(dir, "binpkgbot.yml");
const NOW = new Date();
const HOUR = 3600_000;
const T0 = Math.floor(NOW.getTime() / 1000) - 86_400;

type Removal = { path: string; reason: string; inIndex: boolean; deleteFile: boolean; bytes: number };
type Report = { dryRun: boolean; keep: number; removed: Removal[]; held: { path: string; because: string }[]; freedBytes: number; indexBefore: number; indexAfter: number };

function binpkgbot(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args, "-c", configFile], { encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** SQLite's shared-memory files, which any reader of a WAL database creates; the database itself is hashed. */
const readerFiles = (relative: string): boolean => /^state\/state\.db-(wal|shm)$/.test(relative);

const blocks: IndexBlock[] = [];
const PROTECTED = instancePath("app-misc/foo-1.0", 1);

/** 2 CPVs × 3 USE variants × 4 builds, a version gone from the repository, placeholders and an orphan. */
function buildPkgdir(): void {
  let buildId = 0;
  for (const cpv of ["app-misc/foo-1.0", "dev-libs/bar-2.1-r1"]) {
    for (const use of [[], ["ssl"], ["gtk", "ssl"]]) {
      for (let n = 1; n <= 4; n++) {
        const rel = instancePath(cpv, ++buildId);
        blocks.push({ cpv, buildId, buildTime: T0 + n * 60, use, path: rel, size: makeGpkg({ file: path.join(pkgdir, rel), imageBytes: 1000 * buildId }) });
      }
    }
  }
  for (const id of [1, 2]) {
    const rel = instancePath("app-misc/old-0.5", id);
    blocks.push({ cpv: "app-misc/old-0.5", buildId: id, buildTime: T0 + id, use: [], path: rel, size: makeGpkg({ file: path.join(pkgdir, rel) }) });
  }
  const placeholder = path.join(pkgdir, instancePath("app-misc/foo-1.0", 99));
  writeFileSync(placeholder, "");
  age(placeholder, NOW, 2 * HOUR);
  const orphan = path.join(pkgdir, instancePath("dev-libs/bar-2.1-r1", 98));
  makeGpkg({ file: orphan });
  age(orphan, NOW, 3 * HOUR);
  const text = renderIndexText(blocks);
  writeFileSync(path.join(pkgdir, "Packages"), text);
  writeFileSync(path.join(pkgdir, "Packages.gz"), gzipSync(text));
}

function buildRepo(): void {
  mkdirSync(path.join(repo, "profiles"), { recursive: true });
  writeFileSync(path.join(repo, "profiles", "repo_name"), "gentoo\n");
  for (const [cp, versions] of [["app-misc/foo", ["1.0", "1.1"]], ["dev-libs/bar", ["2.1-r1"]], ["app-misc/old", ["0.6"]]] as const) {
    mkdirSync(path.join(repo, cp), { recursive: true });
    for (const version of versions) writeFileSync(path.join(repo, cp, `${path.basename(cp)}-${version}.ebuild`), "EAPI=8\n");
  }
}

/** Task foo added build 1 in a run that succeeded, then failed in a later run (which must not count). */
function recordRuns(): void {
  const state = openStateDatabase(stateDir);
  const task = { id: "foo", kind: "install" as const, title: "install app-misc/foo" };
  const run1 = state.startRun({ startedAt: new Date(T0 * 1000), trigger: "manual", configFile, configHash: "h" });
  const ok = state.startTask({ runId: run1, task, fingerprint: "f", startedAt: new Date(T0 * 1000), logPath: null });
  const entry = parsePackagesIndex(renderIndexText(blocks.filter((block) => block.path === PROTECTED))).packages;
  state.recordBinpkgs(ok, entry);
  state.finishTask(ok, { result: "succeeded", exitCode: 0, durationMs: 1 });
  state.finishRun(run1, { endedAt: new Date(T0 * 1000 + 1), result: "succeeded" });
  const run2 = state.startRun({ startedAt: new Date(T0 * 1000 + 10), trigger: "manual", configFile, configHash: "h" });
  state.recordTask({ runId: run2, task, fingerprint: "g", startedAt: new Date(T0 * 1000 + 10), logPath: null }, { result: "failed", exitCode: 1, durationMs: 1 });
  state.finishRun(run2, { endedAt: new Date(T0 * 1000 + 11), result: "failed" });
  state.close();
}

before(() => {
  if (skip) return;
  writeFileSync(configFile, [
    `stage: ${dir}/stage`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${repo}`, `pkgdir: ${pkgdir}`,
    `state_dir: ${stateDir}`, "sync: false", "tasks:", "  - install: {atom: app-misc/foo, name: foo}", "",
  ].join("\n"));
  buildPkgdir();
  buildRepo();
  recordRuns();
});

describe("binpkgbot prune", { skip }, () => {
  let dryReport: Report;

  it("--dry-run reports what it would remove and changes nothing", async () => {
    const before = await treeManifest(dir, readerFiles);
    const result = binpkgbot("prune", "--dry-run", "--json");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await treeManifest(dir, readerFiles), before);
    dryReport = JSON.parse(result.stdout) as Report;
    assert.equal(dryReport.dryRun, true);
    const text = binpkgbot("prune", "--dry-run");
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^dry run: would remove 15 files and 13 index entries from .*, freeing [\d.]+ KiB$/m);
    assert.equal(await treeManifest(dir, readerFiles), before);
  });

  it("refuses to change PKGDIR while a run holds the stage lock", async () => {
    const lock = await acquireStageLock(stageLockFile(`${dir}/stage`), { pid: process.pid, now: new Date() });
    try {
      const before = await treeManifest(pkgdir);
      const result = binpkgbot("prune");
      assert.equal(result.code, 5, result.stderr);
      assert.match(result.stderr, new RegExp(`stage is locked by PID ${process.pid}`));
      assert.equal(await treeManifest(pkgdir), before);
    } finally {
      await lock.release();
    }
  });

  it("removes old builds, gone versions, placeholders and orphans; the index and the files then match", async () => {
    const sizes = new Map((await scanPkgdirFiles(pkgdir)).map((file) => [file.path, file.size]));
    const indexBefore = readFileSync(path.join(pkgdir, "Packages"), "utf8");
    const result = binpkgbot("prune", "--json");
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as Report;
    assert.deepEqual(JSON.stringify({ ...report, dryRun: true }, null, 1), JSON.stringify(dryReport, null, 1), "the dry run reported exactly this");

    const reasons = Object.fromEntries(["old-instance", "version-gone", "placeholder", "orphan"].map((reason) => [reason, report.removed.filter((r) => r.reason === reason).map((r) => r.path)]));
    // 6 variants × (4 − 2 kept), less the protected build 1 of foo-1.0 [].
    assert.equal(reasons["old-instance"]?.length, 11);
    assert.ok(!reasons["old-instance"]?.includes(PROTECTED));
    assert.deepEqual(reasons["version-gone"], [instancePath("app-misc/old-0.5", 1), instancePath("app-misc/old-0.5", 2)]);
    assert.deepEqual(reasons.placeholder, [instancePath("app-misc/foo-1.0", 99)]);
    assert.deepEqual(reasons.orphan, [instancePath("dev-libs/bar-2.1-r1", 98)]);
    assert.deepEqual(report.held, [{ path: PROTECTED, wouldBe: "old-instance", because: "protected" }]);
    assert.equal(report.freedBytes, report.removed.reduce((sum, r) => sum + (sizes.get(r.path) ?? NaN), 0));
    for (const removal of report.removed) assert.ok(!existsSync(path.join(pkgdir, removal.path)), removal.path);
    assert.ok(statSync(path.join(pkgdir, PROTECTED)).size > 0);

    const text = readFileSync(path.join(pkgdir, "Packages"), "utf8");
    const index = parsePackagesIndex(text);
    assert.deepEqual(index.issues, []);
    const files = (await scanPkgdirFiles(pkgdir)).map((file) => file.path).sort();
    assert.deepEqual(index.packages.map((entry) => entry.path).sort(), files, "every PATH exists and every binpkg is listed");
    assert.equal(files.length, 6 * 2 + 1);
    assert.equal(index.header.PACKAGES, String(files.length));
    assert.notEqual(index.header.TIMESTAMP, parsePackagesIndex(indexBefore).header.TIMESTAMP);
    assert.equal(index.header.CHOST, "x86_64-pc-linux-gnu");
    assert.equal(gunzipSync(readFileSync(path.join(pkgdir, "Packages.gz"))).toString("utf8"), text);
    assert.ok(!existsSync(path.join(pkgdir, "app-misc", "old")), "a package directory left empty is removed");
  });

  it("a second prune finds nothing left to remove", () => {
    const result = binpkgbot("prune");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^removed 0 files and 0 index entries from .*, freeing 0 B$/m);
    assert.match(result.stdout, /^index: 13 binpkgs listed \(was 13\)$/m);
  });

  it("refuses --keep 0", () => {
    const result = binpkgbot("prune", "--keep", "0");
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--keep 0: give how many builds/);
  });
});
