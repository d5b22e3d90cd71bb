// `binpkgbot packages` on a PKGDIR built here: GPKG containers made with tar, signed, unsigned and
// partly signed, an XPAK, a damaged GPKG, and the index problems a real PKGDIR gathers.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { repoRoot } from "../support/fixtures.js";
import { makeGpkg, renderIndexText, tarAvailable, type IndexBlock } from "../unit/binhost/support/make-gpkg.js";

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");
const skip = tarAvailable() ? false : "needs GNU tar";
const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-packages-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const pkgdir = path.join(dir, "packages");
const configFile = path.join(dir, "binpkgbot.yml");

function binpkgbot(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args, "-c", configFile], { encoding: "utf8", timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

type Listed = { cpv: string; buildId: number | null; use: string[]; size: number | null; buildTime: number | null; path: string; signature: string };
type Problem = { kind: string; path: string; message: string };

const T = 1_780_000_000;
const blocks: IndexBlock[] = [];

function gpkg(cpv: string, buildId: number, use: string[], signed: "none" | "both" | "metadata-only", format?: "ustar" | "gnu" | "pax"): void {
  const [category, pf] = cpv.split("/") as [string, string];
  const rel = `${category}/${pf.replace(/-[0-9].*$/, "")}/${pf}-${buildId}.gpkg.tar`;
  const size = makeGpkg({ file: path.join(pkgdir, rel), signed, format });
  blocks.push({ cpv, buildId, buildTime: T + buildId, use, path: rel, size });
}

before(() => {
  if (skip) return;
  writeFileSync(configFile, [
    `stage: ${dir}/stage`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${dir}/gentoo`, `pkgdir: ${pkgdir}`,
    `state_dir: ${dir}/state`, "sync: false", "tasks:", "  - install: {atom: app-misc/foo, name: foo}", "",
  ].join("\n"));
  gpkg("app-misc/foo-1.0", 1, ["ssl"], "both");
  gpkg("app-misc/foo-1.0", 2, [], "none");
  gpkg("dev-libs/bar-2.1-r1", 1, ["gtk", "ssl"], "metadata-only", "pax");
  // A package name long enough that gpkg.py switches the container to GNU format.
  gpkg(`dev-libs/${"x".repeat(150)}-1.0`, 1, [], "both", "gnu");
  writeFileSync(path.join(pkgdir, "app-misc", "foo", "foo-0.9.tbz2"), Buffer.alloc(2048, 1));
  blocks.push({ cpv: "app-misc/foo-0.9", buildId: 1, buildTime: T, use: [], path: "app-misc/foo/foo-0.9.tbz2", size: 2048 });
  writeFileSync(path.join(pkgdir, "app-misc", "foo", "foo-1.0-3.gpkg.tar"), "this is not a tar\n".repeat(64));
  blocks.push({ cpv: "app-misc/foo-1.0", buildId: 3, buildTime: T + 3, use: [], path: "app-misc/foo/foo-1.0-3.gpkg.tar", size: 18 * 64 });
  blocks.push({ cpv: "app-misc/gone-1.0", buildId: 1, buildTime: T, use: [], path: "app-misc/gone/gone-1.0-1.gpkg.tar", size: 10 });
  makeGpkg({ file: path.join(pkgdir, "app-misc", "foo", "foo-1.0-4.gpkg.tar") });
  writeFileSync(path.join(pkgdir, "app-misc", "foo", "foo-1.0-5.gpkg.tar"), "");
  mkdirSync(path.join(pkgdir, "app-misc", "foo"), { recursive: true });
  writeFileSync(path.join(pkgdir, "app-misc", "foo", ".foo-1.0-6.gpkg.tar.portage_lockfile"), "");
  writeFileSync(path.join(pkgdir, "Packages"), renderIndexText(blocks));
});

describe("binpkgbot packages", { skip }, () => {
  it("--json lists every index entry with its signature state and every problem", () => {
    const result = binpkgbot("packages", "--json");
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { pkgdir: string; hasIndex: boolean; packages: Listed[]; problems: Problem[] };
    assert.equal(report.pkgdir, pkgdir);
    assert.equal(report.hasIndex, true);
    const byPath = new Map(report.packages.map((binpkg) => [binpkg.path, binpkg]));
    assert.equal(report.packages.length, blocks.length);
    for (const block of blocks) {
      const listed = byPath.get(block.path);
      assert.ok(listed, block.path);
      assert.deepEqual([listed.cpv, listed.buildId, listed.use, listed.buildTime], [block.cpv, block.buildId, block.use, block.buildTime]);
    }
    assert.deepEqual(report.packages.map((binpkg) => [binpkg.cpv.slice(0, 24), binpkg.buildId, binpkg.signature]), [
      ["app-misc/foo-1.0", 1, "signed"],
      ["app-misc/foo-1.0", 2, "unsigned"],
      ["dev-libs/bar-2.1-r1", 1, "partly-signed"],
      [`dev-libs/${"x".repeat(15)}`, 1, "signed"],
      ["app-misc/foo-0.9", 1, "not-gpkg"],
      ["app-misc/foo-1.0", 3, "unknown"],
      ["app-misc/gone-1.0", 1, "unknown"],
    ]);
    assert.equal(byPath.get("app-misc/foo/foo-1.0-1.gpkg.tar")?.size, blocks[0]?.size);
    assert.deepEqual(report.problems.map((problem) => [problem.kind, problem.path]), [
      ["missing-file", "app-misc/gone/gone-1.0-1.gpkg.tar"],
      ["not-in-index", "app-misc/foo/foo-1.0-4.gpkg.tar"],
      ["placeholder", "app-misc/foo/foo-1.0-5.gpkg.tar"],
      ["bad-gpkg", "dev-libs/bar/bar-2.1-r1-1.gpkg.tar"],
      ["bad-gpkg", "app-misc/foo/foo-1.0-3.gpkg.tar"],
    ]);
    assert.match(report.problems[3]?.message ?? "", /no signature for image\.tar\.zst/);
    assert.match(report.problems[4]?.message ?? "", /checksum|not a tar/);
  });

  it("prints a table and the problems for a person", () => {
    const result = binpkgbot("packages");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^CPV +BUILD_ID +SIZE +BUILT +SIGNED +USE$/m);
    assert.match(result.stdout, /^app-misc\/foo-1\.0 +1 +\d+\.\d KiB +2026-\d\d-\d\d \d\d:\d\d:\d\dZ +signed +ssl$/m);
    assert.match(result.stdout, /^5 problems:$/m);
    assert.match(result.stdout, /gone-1\.0-1\.gpkg\.tar: in the index \(app-misc\/gone-1\.0\) but the file is missing/);
  });

  it("says so when PKGDIR is missing: nothing built yet, exit 0", () => {
    writeFileSync(path.join(dir, "missing.yml"), `stage: ${dir}/stage\netc_portage: ${dir}/e\nportage_repo: ${dir}/g\npkgdir: ${dir}/nope\nstate_dir: ${dir}/s\nsync: false\ntasks: []\n`);
    const result = spawnSync(process.execPath, [cli, "packages", "-c", path.join(dir, "missing.yml")], { encoding: "utf8" });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /pkgdir .*nope does not exist yet: binpkgbot run builds packages into it/);
  });
});
