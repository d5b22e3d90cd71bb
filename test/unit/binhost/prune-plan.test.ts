import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { PkgdirFile } from "../../../src/binhost/pkgdir-inventory.js";
import { planPrune, variantKey, type PruneInput } from "../../../src/binhost/prune-plan.js";
import { parsePackagesIndex, type BinpkgEntry } from "../../../src/portage/packages-index.js";
import { instancePath, renderIndexText, type IndexBlock } from "./support/make-gpkg.js";

const NOW = new Date(Date.UTC(2026, 10, 26, 12, 0, 0));
const HOUR = 3600_000;
const T0 = 1_780_000_000;

const VARIANTS = [[], ["ssl"], ["gtk", "ssl"]];

/**
 * Two versions in the repository (app-misc/foo-1.0, dev-libs/bar-2.1-r1) × three USE variants ×
 * four builds each; BUILD_TIME rises with BUILD_ID except that builds 3 and 4 share one BUILD_TIME
 * (BUILD_ID breaks the tie) and build 2 of bar is the newest by time. Plus app-misc/foo-0.9, gone
 * from the repository, with two builds.
 */
function manyInstances(): IndexBlock[] {
  const blocks: IndexBlock[] = [];
  let buildId = 0;
  for (const cpv of ["app-misc/foo-1.0", "dev-libs/bar-2.1-r1"]) {
    for (const use of VARIANTS) {
      for (let n = 1; n <= 4; n++) {
        buildId++;
        const buildTime = cpv.startsWith("dev-libs") && n === 2 ? T0 + 1000 : T0 + Math.min(n, 3) * 10;
        blocks.push({ cpv, buildId, buildTime, use: [...use].reverse(), path: instancePath(cpv, buildId), size: 1000 + buildId });
      }
    }
  }
  blocks.push({ cpv: "app-misc/foo-0.9", buildId: 90, buildTime: T0 + 5000, use: [], path: instancePath("app-misc/foo-0.9", 90), size: 500 });
  blocks.push({ cpv: "app-misc/foo-0.9", buildId: 91, buildTime: T0 + 6000, use: [], path: instancePath("app-misc/foo-0.9", 91), size: 501 });
  return blocks;
}

const REPO = new Set(["app-misc/foo-1.0", "app-misc/foo-1.1", "dev-libs/bar-2.1-r1"]);

function indexOf(blocks: readonly IndexBlock[]): { packages: BinpkgEntry[] } {
  const index = parsePackagesIndex(renderIndexText(blocks));
  assert.deepEqual(index.issues, []);
  return index;
}

function filesOf(blocks: readonly IndexBlock[], ageMs = 2 * HOUR): PkgdirFile[] {
  return blocks.map((block) => ({ path: block.path, size: block.size, mtimeMs: NOW.getTime() - ageMs }));
}

function input(blocks: readonly IndexBlock[], overrides: Partial<PruneInput> = {}): PruneInput {
  return { index: indexOf(blocks), repoVersions: REPO, protectedPaths: new Set(), keep: 2, files: filesOf(blocks), now: NOW, ...overrides };
}

describe("planPrune", () => {
  it("keeps the newest N builds of every (CPV, USE) variant, by BUILD_TIME then BUILD_ID", () => {
    const blocks = manyInstances();
    const plan = planPrune(input(blocks));
    const kept = new Map<string, number[]>();
    for (const entry of plan.keep) kept.set(variantKey(entry), [...(kept.get(variantKey(entry)) ?? []), entry.buildId ?? -1]);
    assert.deepEqual(Object.fromEntries(kept), {
      "app-misc/foo-1.0 []": [3, 4], "app-misc/foo-1.0 [ssl]": [7, 8], "app-misc/foo-1.0 [gtk ssl]": [11, 12],
      "dev-libs/bar-2.1-r1 []": [14, 16], "dev-libs/bar-2.1-r1 [ssl]": [18, 20], "dev-libs/bar-2.1-r1 [gtk ssl]": [22, 24],
    });
    const old = plan.remove.filter((removal) => removal.reason === "old-instance").map((removal) => removal.buildId).sort((a, b) => (a ?? 0) - (b ?? 0));
    assert.deepEqual(old, [1, 2, 5, 6, 9, 10, 13, 15, 17, 19, 21, 23]);
    const gone = plan.remove.filter((removal) => removal.reason === "version-gone").map((removal) => removal.path);
    assert.deepEqual(gone, ["app-misc/foo/foo-0.9-90.gpkg.tar", "app-misc/foo/foo-0.9-91.gpkg.tar"]);
    assert.equal(plan.remove.length + plan.keep.length, blocks.length);
    assert.ok(plan.remove.every((removal) => removal.inIndex && removal.deleteFile));
    const sizes = new Map(blocks.map((block) => [block.path, block.size]));
    assert.equal(plan.freedBytes, plan.remove.reduce((sum, removal) => sum + (sizes.get(removal.path) ?? NaN), 0));
    assert.deepEqual(plan.held, []);
  });

  it("with keep 1 leaves one build per variant; with a large keep only the gone version goes", () => {
    const blocks = manyInstances();
    assert.equal(planPrune(input(blocks, { keep: 1 })).keep.length, 6);
    const plan = planPrune(input(blocks, { keep: 10 }));
    assert.deepEqual(plan.remove.map((removal) => removal.reason), ["version-gone", "version-gone"]);
  });

  it("never removes a protected path, whatever the reason", () => {
    const blocks = manyInstances();
    const protectedPaths = new Set([instancePath("app-misc/foo-1.0", 1), instancePath("app-misc/foo-0.9", 90)]);
    const plan = planPrune(input(blocks, { protectedPaths }));
    assert.ok(plan.keep.some((entry) => entry.buildId === 1) && plan.keep.some((entry) => entry.buildId === 90));
    assert.ok(!plan.remove.some((removal) => protectedPaths.has(removal.path)));
    assert.deepEqual(plan.held, [
      { path: "app-misc/foo/foo-0.9-90.gpkg.tar", wouldBe: "version-gone", because: "protected" },
      { path: "app-misc/foo/foo-1.0-1.gpkg.tar", wouldBe: "old-instance", because: "protected" },
    ]);
    // A protected old build does not push a newer one out: the newest two stay as well.
    assert.ok([3, 4].every((id) => plan.keep.some((entry) => entry.buildId === id)));
  });

  it("removes placeholders and unlisted files only once they are an hour old, and drops entries without a file", () => {
    const blocks = manyInstances().filter((block) => block.cpv === "app-misc/foo-1.0" && block.use.length === 0);
    const files = filesOf(blocks.filter((block) => block.buildId !== 4));
    files.push(
      { path: "app-misc/foo/foo-1.0-5.gpkg.tar", size: 0, mtimeMs: NOW.getTime() - 2 * HOUR },
      { path: "app-misc/foo/foo-1.0-6.gpkg.tar", size: 0, mtimeMs: NOW.getTime() - 5 * 60_000 },
      { path: "app-misc/foo/foo-1.1-1.gpkg.tar", size: 4096, mtimeMs: NOW.getTime() - 3 * HOUR },
      { path: "app-misc/foo/foo-1.1-2.gpkg.tar", size: 4096, mtimeMs: NOW.getTime() - 59 * 60_000 },
    );
    const plan = planPrune(input(blocks, { files }));
    assert.deepEqual(plan.remove.map((r) => [r.path, r.reason, r.inIndex, r.deleteFile, r.bytes]), [
      ["app-misc/foo/foo-1.0-1.gpkg.tar", "old-instance", true, true, 1001],
      ["app-misc/foo/foo-1.0-4.gpkg.tar", "missing-file", true, false, 0],
      ["app-misc/foo/foo-1.0-5.gpkg.tar", "placeholder", false, true, 0],
      ["app-misc/foo/foo-1.1-1.gpkg.tar", "orphan", false, true, 4096],
    ]);
    assert.deepEqual(plan.held.map((h) => [h.path, h.wouldBe, h.because]), [
      ["app-misc/foo/foo-1.0-6.gpkg.tar", "placeholder", "too-recent"],
      ["app-misc/foo/foo-1.1-2.gpkg.tar", "orphan", "too-recent"],
    ]);
    // Build 4's file is missing, so the newest two that exist are 2 and 3.
    assert.deepEqual(plan.keep.map((entry) => entry.buildId), [2, 3]);
    assert.equal(plan.freedBytes, 1001 + 4096);
  });

  it("holds an indexed 0-byte placeholder younger than an hour, and removes it with its entry once older", () => {
    // A build still packaging elsewhere has its entry's file at 0 bytes for a moment (GENTOO.md, PKGDIR).
    const blocks = manyInstances().filter((block) => block.cpv === "app-misc/foo-1.0" && block.use.length === 0);
    const placeholder = (age: number) => filesOf(blocks).map((file) => file.path.endsWith("-4.gpkg.tar") ? { ...file, size: 0, mtimeMs: NOW.getTime() - age } : file);
    const young = planPrune(input(blocks, { files: placeholder(5 * 60_000) }));
    assert.deepEqual(young.held.map((h) => [h.path, h.wouldBe, h.because]), [["app-misc/foo/foo-1.0-4.gpkg.tar", "placeholder", "too-recent"]]);
    assert.ok(!young.remove.some((removal) => removal.buildId === 4));
    assert.ok(young.keep.some((entry) => entry.buildId === 4), "a held entry stays in the index");
    const old = planPrune(input(blocks, { files: placeholder(2 * HOUR) }));
    assert.deepEqual(old.remove.filter((r) => r.buildId === 4).map((r) => [r.path, r.reason, r.inIndex, r.deleteFile]),
      [["app-misc/foo/foo-1.0-4.gpkg.tar", "placeholder", true, true]]);
    assert.deepEqual(old.held, []);
  });

  it("treats USE as a set, ignoring order and repeats", () => {
    const a = { cpv: "app-misc/foo-1.0", buildId: 1, buildTime: T0, use: ["b", "a"], path: instancePath("app-misc/foo-1.0", 1), size: 10 };
    const b = { ...a, buildId: 2, buildTime: T0 + 1, use: ["a", "b", "a"], path: instancePath("app-misc/foo-1.0", 2) };
    const plan = planPrune(input([a, b], { keep: 1 }));
    assert.deepEqual(plan.remove.map((removal) => removal.buildId), [1]);
  });

  it("judges the index alone without files, and never deletes a file that a kept entry also names", () => {
    const a = { cpv: "app-misc/foo-1.0", buildId: 1, buildTime: T0, use: [], path: "app-misc/foo/shared.gpkg.tar", size: 10 };
    const b = { ...a, buildId: 2, buildTime: T0 + 1 };
    const plan = planPrune(input([a, b], { keep: 1, files: undefined, now: undefined }));
    assert.deepEqual(plan.remove.map((r) => [r.buildId, r.inIndex, r.deleteFile, r.bytes]), [[1, true, false, 0]]);
    assert.deepEqual(plan.keep.map((entry) => entry.buildId), [2]);
  });

  it("refuses a keep below 1 and files without a clock", () => {
    assert.throws(() => planPrune(input([], { keep: 0 })), RangeError);
    assert.throws(() => planPrune(input([], { now: undefined })), RangeError);
  });
});
