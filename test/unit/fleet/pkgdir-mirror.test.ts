// What a worker fetches to make its PKGDIR copy the coordinator's, and what it removes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { planPkgdirMirror, renderMirroredIndex } from "../../../src/fleet/transfer/pkgdir-mirror.js";
import { parsePackagesIndex } from "../../../src/portage/packages-index.js";

const INDEX = [
  "ARCH: amd64", "PACKAGES: 3", "TIMESTAMP: 1764633600", "VERSION: 0", "",
  "BUILD_ID: 1", "CPV: app-misc/kept-1.0", "MD5: a", "MTIME: 1764633600", "PATH: app-misc/kept/kept-1.0-1.gpkg.tar", "SIZE: 100", "",
  "BUILD_ID: 2", "CPV: app-misc/new-1.0", "MD5: b", "MTIME: 1764633601", "PATH: app-misc/new/new-1.0-2.gpkg.tar", "SIZE: 200", "",
  "BUILD_ID: 1", "CPV: app-misc/other-1.0", "MD5: c", "MTIME: 1764633602", "PATH: app-misc/other/other-1.0-1.gpkg.tar", "SIZE: 300", "",
  "BUILD_ID: 1", "CPV: app-misc/evil-1.0", "MD5: d", "MTIME: 1764633602", "PATH: ../../etc/shadow", "SIZE: 300", "",
].join("\n");

test("binpkgs the copy lacks or holds with another size or time are fetched; those the index does not list are removed", () => {
  const entries = parsePackagesIndex(INDEX).packages;
  const plan = planPkgdirMirror(entries, [
    { path: "app-misc/kept/kept-1.0-1.gpkg.tar", size: 100, mtimeMs: 1764633600_500 },
    // A build of this worker the coordinator took under BUILD_ID 2: another build has BUILD_ID 1 there.
    { path: "app-misc/other/other-1.0-1.gpkg.tar", size: 250, mtimeMs: 1764633602_000 },
    { path: "app-misc/gone/gone-1.0-1.gpkg.tar", size: 10, mtimeMs: 0 },
  ]);
  assert.deepEqual(plan.fetch.map((entry) => entry.path), ["app-misc/new/new-1.0-2.gpkg.tar", "app-misc/other/other-1.0-1.gpkg.tar"]);
  assert.deepEqual(plan.remove, ["app-misc/gone/gone-1.0-1.gpkg.tar"]);
  assert.deepEqual(plan.skipped.map((entry) => entry.path), ["../../etc/shadow"], "an entry whose PATH leaves PKGDIR is never fetched");
});

test("the copy's index is the coordinator's without the entries left out", () => {
  const text = renderMirroredIndex(INDEX, ["../../etc/shadow"]);
  const parsed = parsePackagesIndex(text);
  assert.deepEqual(parsed.packages.map((entry) => entry.path), ["app-misc/kept/kept-1.0-1.gpkg.tar", "app-misc/new/new-1.0-2.gpkg.tar", "app-misc/other/other-1.0-1.gpkg.tar"]);
  assert.equal(parsed.header.ARCH, "amd64");
  assert.equal(renderMirroredIndex(INDEX, []), INDEX);
});

test("an empty index (nothing built yet) removes every binpkg of the copy and fetches nothing", () => {
  const plan = planPkgdirMirror(parsePackagesIndex("").packages, [{ path: "a/b/b-1-1.gpkg.tar", size: 1, mtimeMs: 0 }]);
  assert.deepEqual(plan, { fetch: [], remove: ["a/b/b-1-1.gpkg.tar"], skipped: [] });
});
