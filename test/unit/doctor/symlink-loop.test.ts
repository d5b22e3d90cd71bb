// A path that is a loop of symlinks (a -> b -> a) is named as a loop, not as a symlink to
// something missing: the fix differs (break the loop, not create the target).
import assert from "node:assert/strict";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { checkBinds } from "../../../src/doctor/binds.js";
import { checkStage, checkWritableDir } from "../../../src/doctor/checks.js";
import { readKind } from "../../../src/doctor/read-path-kind.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-symlink-loop-"));
after(() => rm(root, { recursive: true, force: true }));

test("readKind tells a loop of symlinks from a symlink to nothing", async () => {
  await symlink("b", path.join(root, "a"));
  await symlink("a", path.join(root, "b"));
  await symlink("nothing-here", path.join(root, "dangling"));
  assert.equal(await readKind(path.join(root, "a")), "symlink-loop");
  assert.equal(await readKind(path.join(root, "dangling")), "dangling-symlink");
});

test("a stage, a directory and a bind source that are loops of symlinks are reported as loops", () => {
  const stage = checkStage({ path: "/srv/stage", kind: "symlink-loop", symlinkTarget: "loop", filesystem: null, subvolume: false, hasUsr: false, binrepos: [] }, "/etc/binpkgbot.yml");
  assert.match(stage[0]?.message ?? "", /^\/srv\/stage is a loop of symlinks \(it points at loop\)$/);
  assert.match(stage[0]?.fix ?? "", /ln -sfn TARGET \/srv\/stage/);
  const pkgdir = checkWritableDir("pkgdir", { path: "/srv/pkgs", kind: "symlink-loop", writable: false, existingAncestor: null, filesystem: null }, "/etc/binpkgbot.yml");
  assert.match(pkgdir[0]?.message ?? "", /^\/srv\/pkgs is not a directory \(a loop of symlinks\)$/);
  const bind = checkBinds([{ from: "/srv/ccache", to: "/var/cache/ccache", writable: true, source: "symlink-loop", target: null }], "/etc/binpkgbot.yml");
  assert.match(bind[0]?.message ?? "", /^\/srv\/ccache is a loop of symlinks: systemd-nspawn cannot bind it/);
  assert.match(bind[0]?.fix ?? "", /^replace the loop at \/srv\/ccache with the directory or file to bind/);
});
