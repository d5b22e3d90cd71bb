// `binpkgbot stage init` on a real btrfs filesystem: a tarball built here with owners, set-uid
// and private modes, a user xattr, a file capability, a symlink and a hard link is unpacked for
// each compression, and everything must survive; refusals and failures leave nothing behind.
import assert from "node:assert/strict";
import { chmod, chown, link, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { readCurrent, stageLayout } from "../../src/stage/layout.js";
import { test, type TestContext } from "node:test";
import { deleteSubvolume } from "../../src/container/btrfs.js";
import { isSubvolume } from "../../src/container/filesystem.js";
import { nodeExec, runChecked } from "../../src/exec/exec.js";
import { detectCompression, renderTarExtractArgv } from "../../src/stage/init-from-tarball.js";
import type { BtrfsFixture } from "./harness/btrfs-fixture.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { runCli } from "./support/world.js";

let fixture: BtrfsFixture;
let tarballs: Record<"xz" | "zstd" | "gzip" | "plain" | "no-usr", string>;
const { skip } = await integrationSuite(async (made) => {
  fixture = made;
  tarballs = await buildTarballs(fixture.dir);
});

const exists = (file: string): Promise<boolean> => lstat(file).then(() => true, () => false);
const run = (argv: string[]): Promise<string> => runChecked(nodeExec, argv).then((result) => result.stdout);

/** The tree every tarball holds: what a stage3 needs to keep (owners, modes, xattrs, capabilities, links). */
async function buildTree(root: string): Promise<void> {
  for (const dir of ["usr/bin", "usr/lib", "etc"]) await mkdir(path.join(root, dir), { recursive: true });
  const suid = path.join(root, "usr/bin/suid");
  await writeFile(suid, "#!/bin/sh\n");
  // chown clears set-uid bits and file capabilities, so owners come first.
  await chown(suid, 1234, 5678);
  await chmod(suid, 0o4755);
  await link(suid, path.join(root, "usr/bin/suid-hardlink"));
  await writeFile(path.join(root, "etc/secret"), "secret\n");
  await chown(path.join(root, "etc/secret"), 1234, 5678);
  await chmod(path.join(root, "etc/secret"), 0o600);
  await writeFile(path.join(root, "etc/with-xattr"), "x\n");
  await run(["setfattr", "-n", "user.test", "-v", "value", path.join(root, "etc/with-xattr")]);
  await writeFile(path.join(root, "usr/bin/netcap"), "#!/bin/sh\n");
  await chmod(path.join(root, "usr/bin/netcap"), 0o755);
  await run(["setcap", "cap_net_raw+ep", path.join(root, "usr/bin/netcap")]);
  await symlink("../bin/suid", path.join(root, "usr/lib/suid-link"));
}

async function buildTarballs(dir: string): Promise<typeof tarballs> {
  const tree = path.join(dir, "tree");
  await buildTree(tree);
  const create = (file: string, option: string[], from = tree): Promise<string> =>
    run(["tar", "--create", "--file", file, "--directory", from, ...option, "--numeric-owner", "--xattrs", "--xattrs-include=*", "--acls", "."]).then(() => file);
  const noUsr = path.join(dir, "no-usr-tree");
  await mkdir(path.join(noUsr, "etc"), { recursive: true });
  await writeFile(path.join(noUsr, "etc/hostname"), "x\n");
  return {
    xz: await create(path.join(dir, "stage.tar.xz"), ["--xz"]),
    zstd: await create(path.join(dir, "stage.tar.zst"), ["--zstd"]),
    gzip: await create(path.join(dir, "stage.tar.gz"), ["--gzip"]),
    plain: await create(path.join(dir, "stage.tar"), []),
    "no-usr": await create(path.join(dir, "no-usr.tar.xz"), ["--xz"], noUsr),
  };
}

let counter = 0;
/** A config whose stage is `stageDir/stage-N`; the stage does not exist yet. */
async function writeConfig(stageDir: string): Promise<{ config: string; stage: string }> {
  counter += 1;
  const stage = path.join(stageDir, `stage-${counter}`);
  const config = path.join(fixture.dir, `binpkgbot-${counter}.yml`);
  await writeFile(config, [`stage: ${stage}`, `etc_portage: ${fixture.dir}/etc-portage`, `portage_repo: ${fixture.dir}/gentoo`,
    `pkgdir: ${fixture.dir}/binpkgs`, `state_dir: ${fixture.dir}/state`, ""].join("\n"));
  return { config, stage };
}

async function assertTreeSurvived(stage: string): Promise<void> {
  const suid = await stat(path.join(stage, "usr/bin/suid"));
  assert.deepEqual([suid.uid, suid.gid, suid.mode & 0o7777], [1234, 5678, 0o4755]);
  const secret = await stat(path.join(stage, "etc/secret"));
  assert.deepEqual([secret.uid, secret.gid, secret.mode & 0o7777], [1234, 5678, 0o600]);
  assert.equal(await run(["getfattr", "--only-values", "-n", "user.test", path.join(stage, "etc/with-xattr")]), "value");
  assert.match(await run(["getcap", path.join(stage, "usr/bin/netcap")]), /usr\/bin\/netcap cap_net_raw[=+]ep/);
  assert.equal(await readlink(path.join(stage, "usr/lib/suid-link")), "../bin/suid");
  const hardlink = await stat(path.join(stage, "usr/bin/suid-hardlink"));
  assert.equal(hardlink.ino, suid.ino);
  assert.equal(suid.nlink, 2);
}

async function guard(t: TestContext): Promise<void> {
  t.after(await leakGuard(fixture.dir));
}

test("detectCompression reads magic bytes, and tar gets the matching option", () => {
  const head = (...bytes: number[]): Uint8Array => Uint8Array.from([...bytes, ...new Array<number>(600).fill(0)]);
  assert.equal(detectCompression(head(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)), "xz");
  assert.equal(detectCompression(head(0x28, 0xb5, 0x2f, 0xfd)), "zstd");
  assert.equal(detectCompression(head(0x1f, 0x8b, 0x08)), "gzip");
  assert.equal(detectCompression(head(0x42, 0x5a, 0x68, 0x39)), "bzip2");
  const ustar = head();
  ustar.set(new TextEncoder().encode("ustar"), 257);
  assert.equal(detectCompression(ustar), "none");
  assert.equal(detectCompression(new TextEncoder().encode("<html>not found</html>")), null);
  assert.deepEqual(renderTarExtractArgv("/t/stage3.tar.zst", "/srv/stage", "zstd"), [
    "tar", "--extract", "--file", "/t/stage3.tar.zst", "--directory", "/srv/stage", "--zstd",
    "--numeric-owner", "--preserve-permissions", "--xattrs", "--xattrs-include=*", "--acls",
  ]);
  assert.deepEqual(renderTarExtractArgv("/t/s.tar", "/s", "none").slice(6, 7), ["--numeric-owner"]);
});

for (const kind of ["xz", "zstd", "gzip", "plain"] as const) {
  test(`stage init from a ${kind} tarball: a subvolume with owners, modes, xattrs, capabilities and links intact`, { skip }, async (t) => {
    await guard(t);
    const { config, stage } = await writeConfig(fixture.dir);
    const result = await runCli(["stage", "init", "--from", tarballs[kind], "-c", config]);
    try {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await isSubvolume(stage), true);
      const current = await readCurrent(stageLayout(stage));
      assert.equal(current.kind === "generation" && current.name, "gen-1", "the stage starts as its first generation, ready for atomic swaps");
      await assertTreeSurvived(stage);
      assert.match(result.stdout, new RegExp(`created the stage ${stage}: a btrfs subvolume, unpacked from ${tarballs[kind]}`));
      assert.match(result.stdout, /^next: binpkgbot doctor -c .*, then binpkgbot run -c /m);
      assert.match(result.stdout, /etc_portage .* does not exist yet; to start from the stage's own: cp -a .*\/etc\/portage /);
    } finally {
      if (await exists(stage)) await deleteSubvolume(nodeExec, stage);
    }
  });
}

test("stage init trusts the content over the name: an xz tarball named .tar.gz", { skip }, async (t) => {
  await guard(t);
  const misnamed = path.join(fixture.dir, "really-xz.tar.gz");
  await writeFile(misnamed, await readFile(tarballs.xz));
  const { config, stage } = await writeConfig(fixture.dir);
  const result = await runCli(["stage", "init", "--from", misnamed, "-c", config]);
  try {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /named like a gzip tarball but holds xz; it was unpacked as xz/);
    await assertTreeSurvived(stage);
  } finally {
    if (await exists(stage)) await deleteSubvolume(nodeExec, stage);
  }
});

test("stage init refuses a target that is not on btrfs, and --force-non-btrfs accepts it", { skip }, async (t) => {
  await guard(t);
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-tmpfs-"));
  await run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", dir]);
  t.after(async () => {
    await run(["umount", dir]);
    await rm(dir, { recursive: true, force: true });
  });
  const { config, stage } = await writeConfig(dir);
  const refused = await runCli(["stage", "init", "--from", tarballs.xz, "-c", config]);
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, new RegExp(`${dir} is on tmpfs, not btrfs: .*every throw-away container .* is a full copy of the stage .*--force-non-btrfs`));
  assert.equal(await exists(stage), false);
  const forced = await runCli(["stage", "init", "--from", tarballs.xz, "-c", config, "--force-non-btrfs"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /a plain directory on tmpfs \(not btrfs\)/);
  await assertTreeSurvived(stage);
});

test("a corrupt tarball leaves no subvolume behind, and says why", { skip }, async (t) => {
  await guard(t);
  const whole = await readFile(tarballs.gzip);
  const truncated = path.join(fixture.dir, "truncated.tar.gz");
  // Past the first members, so that tar has already written files when it fails.
  await writeFile(truncated, whole.subarray(0, Math.floor(whole.length * 0.7)));
  const { config, stage } = await writeConfig(fixture.dir);
  const result = await runCli(["stage", "init", "--from", truncated, "-c", config]);
  assert.equal(result.code, 4, result.stdout);
  assert.match(result.stderr, new RegExp(`tar could not unpack ${truncated} \\(gzip\\): .*download it again`));
  assert.equal(await exists(stage), false);
});

test("a file that is no tarball is refused before anything is created", { skip }, async (t) => {
  await guard(t);
  const html = path.join(fixture.dir, "stage3.tar.xz.html");
  await writeFile(html, "<html>404 not found</html>\n");
  const { config, stage } = await writeConfig(fixture.dir);
  const result = await runCli(["stage", "init", "--from", html, "-c", config]);
  assert.equal(result.code, 4);
  assert.match(result.stderr, /is not a tar archive compressed with xz, zstd, gzip or bzip2/);
  assert.equal(await exists(stage), false);
  const missing = await runCli(["stage", "init", "--from", path.join(fixture.dir, "nope.tar.xz"), "-c", config]);
  assert.equal(missing.code, 4);
  assert.match(missing.stderr, /cannot read .*nope\.tar\.xz: ENOENT/);
});

test("a tarball without usr/ is no stage: refused, and its subvolume removed", { skip }, async (t) => {
  await guard(t);
  const { config, stage } = await writeConfig(fixture.dir);
  const result = await runCli(["stage", "init", "--from", tarballs["no-usr"], "-c", config]);
  assert.equal(result.code, 4);
  assert.match(result.stderr, /has no usr\/ at its top, so it is not a stage3\/stage4/);
  assert.equal(await exists(stage), false);
});

test("an existing stage path is refused and left untouched", { skip }, async (t) => {
  await guard(t);
  const { config, stage } = await writeConfig(fixture.dir);
  await mkdir(stage);
  await writeFile(path.join(stage, "keep"), "mine\n");
  const result = await runCli(["stage", "init", "--from", tarballs.xz, "-c", config]);
  assert.equal(result.code, 4);
  assert.match(result.stderr, new RegExp(`${stage} already exists: .*btrfs subvolume delete ${stage}`));
  assert.equal(await readFile(path.join(stage, "keep"), "utf8"), "mine\n");
  await rm(stage, { recursive: true });
});

test("stage init without --from is a usage error", { skip }, async () => {
  const { config } = await writeConfig(fixture.dir);
  const result = await runCli(["stage", "init", "-c", config]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /stage init needs the tarball: binpkgbot stage init --from /);
});
