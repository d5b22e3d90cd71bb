// `binpkgbot doctor` on a real host: a good set-up on btrfs passes, and each broken set-up is named
// with its fix.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { nodeExec, runChecked } from "../../src/exec/exec.js";
import { repoRoot } from "../support/fixtures.js";
import type { BtrfsFixture } from "./harness/btrfs-fixture.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { createTestStage } from "./harness/test-stage.js";

let fixture: BtrfsFixture;
/** One stage subvolume shared by every test (made before the leak guards look). */
let stage: string;
const { skip } = await integrationSuite(async (made) => {
  fixture = made;
  stage = await createTestStage(fixture.dir, "stage");
  // What a stage3 ships (catalyst writes it): Gentoo's official binhost.
  await mkdir(path.join(stage, "etc/portage/binrepos.conf"), { recursive: true });
  await writeFile(path.join(stage, "etc/portage/binrepos.conf/gentoobinhost.conf"), GENTOO_BINHOST);
});

const GENTOO_BINHOST = "[gentoobinhost]\npriority = 1\nsync-uri = https://distfiles.gentoo.org/releases/amd64/binpackages/23.0/x86-64\n";

interface SetUp {
  root: string;
  config: string;
  stage: string;
  etcPortage: string;
  repo: string;
  pkgdir: string;
  stateDir: string;
}

interface Options {
  stage?: string;
  /** YAML lines appended to the config. */
  extra?: string[];
}

/** A good set-up around the shared stage; a test breaks one piece of it. */
async function createSetUp(options: Options = {}): Promise<SetUp> {
  const root = await mkdtemp(path.join(fixture.dir, "setup-"));
  const setUp: SetUp = {
    root, config: path.join(root, "binpkgbot.yml"), stage: options.stage ?? stage, etcPortage: path.join(root, "etc-portage"),
    repo: path.join(root, "gentoo"), pkgdir: path.join(root, "binpkgs"), stateDir: path.join(root, "state"),
  };
  await mkdir(path.join(setUp.repo, "profiles"), { recursive: true });
  await writeFile(path.join(setUp.repo, "profiles/repo_name"), "gentoo\n");
  await mkdir(setUp.etcPortage);
  await writeFile(path.join(setUp.etcPortage, "make.conf"), 'COMMON_FLAGS="-O2 -pipe"\nFEATURES="buildpkg"\n');
  await mkdir(setUp.pkgdir);
  await writeFile(setUp.config, [
    `stage: ${setUp.stage}`, `etc_portage: ${setUp.etcPortage}`, `portage_repo: ${setUp.repo}`, `pkgdir: ${setUp.pkgdir}`,
    `state_dir: ${setUp.stateDir}`, ...(options.extra ?? []), "",
  ].join("\n"));
  return setUp;
}

interface Doctor {
  code: number | null;
  lines: string[];
  stderr: string;
}

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");

async function doctor(setUp: SetUp, env: NodeJS.ProcessEnv = process.env): Promise<Doctor> {
  const result = await nodeExec.run([process.execPath, cli, "doctor", "-c", setUp.config], { env });
  return { code: result.code, lines: result.stdout.trimEnd().split("\n"), stderr: result.stderr };
}

const notOk = (report: Doctor): string[] => report.lines.filter((line) => /^(warning|problem):/.test(line));

async function guard(t: TestContext): Promise<void> {
  t.after(await leakGuard(fixture.dir));
}

test("a good set-up: every line ok, exit 0", { skip }, async (t) => {
  await guard(t);
  const setUp = await createSetUp({ extra: ["tasks:", "  - install: media-video/ffmpeg", "  - install: {atom: media-video/ffmpeg, use: -x265}"] });
  const report = await doctor(setUp);
  assert.equal(report.code, 0, report.lines.join("\n") + report.stderr);
  assert.deepEqual(notOk(report), []);
  for (const pattern of [
    /^ok: systemd-nspawn: \S+systemd-nspawn, systemd \d+/,
    new RegExp(`^ok: stage: ${stage} is a btrfs subvolume$`),
    new RegExp(`^ok: pkgdir: ${setUp.pkgdir} is writable \\(on btrfs\\)$`),
    new RegExp(`^ok: state_dir: ${setUp.stateDir} does not exist yet; binpkgbot run creates it \\(on btrfs\\)$`),
    /^ok: portage_repo: .* is an ebuild repository \(gentoo\)$/,
    /^ok: etc_portage: .* has make\.conf$/,
    /^ok: binpkg-multi-instance: on \(Portage's default\)/,
    /^ok: stage binrepos.conf: .*gentoobinhost\.conf names the remote binhost https:\/\/distfiles\.gentoo\.org\/.*only .*\/binrepos\.conf counts \(set stage_binrepos: true to give containers the stage.s own where etc_portage has none\)$/,
    /^ok: binrepos.conf: no remote binhost/,
  ]) assert.ok(report.lines.some((line) => pattern.test(line)), `${pattern} in\n${report.lines.join("\n")}`);
  assert.equal(report.lines.at(-1), "no problems found");
});

test("a stage that is a symlink to a subvolume (a generation) is fine", { skip }, async (t) => {
  await guard(t);
  const link = path.join(fixture.dir, "stage-link");
  await symlink(stage, link);
  t.after(() => rm(link));
  const report = await doctor(await createSetUp({ stage: link }));
  assert.equal(report.code, 0, report.lines.join("\n"));
  assert.ok(report.lines.includes(`ok: stage: ${link} (a symlink to ${stage}) is a btrfs subvolume`), report.lines.join("\n"));
});

test("a missing stage, repository and etc_portage: each a problem with its fix, exit 4", { skip }, async (t) => {
  await guard(t);
  const setUp = await createSetUp({ stage: path.join(fixture.dir, "no-such-stage"), extra: ["sync: false"] });
  await rm(setUp.repo, { recursive: true });
  await rm(setUp.etcPortage, { recursive: true });
  const report = await doctor(setUp);
  assert.equal(report.code, 4);
  assert.deepEqual(notOk(report), [
    `problem: stage: ${setUp.stage} does not exist; fix: create it from a stage3 tarball: binpkgbot stage init --from stage3-….tar.xz -c ${setUp.config}`,
    `problem: portage_repo: ${setUp.repo} does not exist; fix: get the Gentoo repository: git clone --depth 1 https://github.com/gentoo-mirror/gentoo.git ${setUp.repo}, or set 'portage_repo' in ${setUp.config} to the repository`,
    `problem: etc_portage: ${setUp.etcPortage} does not exist; binpkgbot gives a copy of it to every container as /etc/portage; fix: start from the stage's own: cp -a ${setUp.stage}/etc/portage ${setUp.etcPortage}, or set 'etc_portage' in ${setUp.config}`,
  ]);
  assert.equal(report.lines.at(-1), "3 problems, 0 warnings");
});

test("a stage directory on btrfs that is no subvolume: a warning with the commands to convert it", { skip }, async (t) => {
  await guard(t);
  const plain = await mkdtemp(path.join(fixture.dir, "plain-stage-"));
  await mkdir(path.join(plain, "usr"));
  const report = await doctor(await createSetUp({ stage: plain }));
  assert.equal(report.code, 0);
  assert.deepEqual(notOk(report), [`warning: stage: ${plain} is on btrfs but is a plain directory, not a subvolume: it cannot be snapshotted, ` +
    `so every throw-away container copies it; fix: turn it into a subvolume: btrfs subvolume create ${plain}.new && ` +
    `cp -a --reflink=always ${plain}/. ${plain}.new/ && mv ${plain} ${plain}.old && mv ${plain}.new ${plain}`]);
});

/** Doctor's report while pkgdir is a read-only bind mount of itself. */
async function doctorWithReadOnlyPkgdir(setUp: SetUp): Promise<Doctor> {
  // Unmounted here, not in an after-hook: after-hooks run in order, and the leak guard's comes first.
  await runChecked(nodeExec, ["mount", "--bind", setUp.pkgdir, setUp.pkgdir]);
  try {
    await runChecked(nodeExec, ["mount", "-o", "remount,ro,bind", setUp.pkgdir]);
    return await doctor(setUp);
  } finally {
    await runChecked(nodeExec, ["umount", setUp.pkgdir]);
  }
}

test("a read-only pkgdir and a state_dir that is a file", { skip }, async (t) => {
  await guard(t);
  const setUp = await createSetUp();
  await writeFile(setUp.stateDir, "not a directory\n");
  const report = await doctorWithReadOnlyPkgdir(setUp);
  assert.equal(report.code, 4);
  assert.deepEqual(notOk(report), [
    `problem: pkgdir: ${setUp.pkgdir} (on btrfs) is not writable (a read-only mount or its permissions); fix: make it writable ` +
      `(ls -ld ${setUp.pkgdir}; findmnt -T ${setUp.pkgdir}) or set 'pkgdir' in ${setUp.config} to a writable directory`,
    `problem: state_dir: ${setUp.stateDir} is not a directory; fix: remove it (rm ${setUp.stateDir}), or set 'state_dir' in ${setUp.config} to a writable directory`,
  ]);
});

test("one report names every problem at once: a missing stage and its parent, a read-only pkgdir, a missing bind source", { skip }, async (t) => {
  await guard(t);
  const parent = path.join(fixture.dir, "no-such-volume");
  const ccache = path.join(fixture.dir, "no-such-ccache");
  const setUp = await createSetUp({ stage: path.join(parent, "stage"), extra: ["binds:", `  - {from: ${ccache}, to: /var/cache/ccache, writable: true}`] });
  const report = await doctorWithReadOnlyPkgdir(setUp);
  assert.equal(report.code, 4);
  assert.deepEqual(notOk(report), [
    `problem: stage: ${setUp.stage} does not exist, nor its parent ${parent}; fix: mkdir -p ${parent} && binpkgbot stage init --from stage3-….tar.xz -c ${setUp.config}`,
    `problem: pkgdir: ${setUp.pkgdir} (on btrfs) is not writable (a read-only mount or its permissions); fix: make it writable ` +
      `(ls -ld ${setUp.pkgdir}; findmnt -T ${setUp.pkgdir}) or set 'pkgdir' in ${setUp.config} to a writable directory`,
    `problem: bind ${ccache}: ${ccache} does not exist: systemd-nspawn cannot bind it at /var/cache/ccache, so no container would start; ` +
      `fix: create it (mkdir -p ${ccache}, or the file it should be), or remove the bind from 'binds' in ${setUp.config}`,
  ]);
  assert.equal(report.lines.at(-1), "3 problems, 0 warnings");
});

test("a stage on ext4 is named ext4, present or still to be made", { skip }, async (t) => {
  await guard(t);
  const image = path.join(fixture.dir, "ext4.img");
  const mountPoint = await mkdtemp(path.join(fixture.dir, "ext4-"));
  await runChecked(nodeExec, ["truncate", "-s", "16M", image]);
  await runChecked(nodeExec, ["mkfs.ext4", "-q", "-F", image]);
  await runChecked(nodeExec, ["mount", "-o", "loop", image, mountPoint]);
  let present: Doctor;
  let toBeMade: Doctor;
  try {
    await mkdir(path.join(mountPoint, "stage/usr"), { recursive: true });
    present = await doctor(await createSetUp({ stage: path.join(mountPoint, "stage") }));
    toBeMade = await doctor(await createSetUp({ stage: path.join(mountPoint, "volume/stage") }));
  } finally {
    await runChecked(nodeExec, ["umount", "-d", mountPoint]);
    await rm(image);
  }
  assert.match(notOk(present).join("\n"), new RegExp(`^warning: stage: ${mountPoint}/stage is on ext4, not btrfs: `));
  assert.match(notOk(toBeMade).join("\n"), new RegExp(`^warning: stage filesystem: ${mountPoint}, where ${mountPoint}/volume would go, is on ext4, not btrfs: ` +
    "stage init refuses it without --force-non-btrfs", "m"));
});

test("variants with binpkg-multi-instance disabled in a make.conf directory, and no make.conf at all", { skip }, async (t) => {
  await guard(t);
  const setUp = await createSetUp({ extra: ["tasks:", "  - install: media-video/ffmpeg", "  - install: {atom: media-video/ffmpeg, use: -x265}"] });
  await rm(path.join(setUp.etcPortage, "make.conf"));
  await mkdir(path.join(setUp.etcPortage, "make.conf"));
  await writeFile(path.join(setUp.etcPortage, "make.conf/00-base"), 'FEATURES="buildpkg"\n');
  await writeFile(path.join(setUp.etcPortage, "make.conf/50-local"), 'FEATURES="${FEATURES} -binpkg-multi-instance"\n');
  await writeFile(path.join(setUp.etcPortage, "make.conf/.hidden"), 'FEATURES="binpkg-multi-instance"\n');
  const report = await doctor(setUp);
  assert.equal(report.code, 4);
  const local = path.join(setUp.etcPortage, "make.conf/50-local");
  assert.deepEqual(notOk(report), [`problem: binpkg-multi-instance: disabled in ${local}, but media-video/ffmpeg is built in several ` +
    "variants: without it each variant's binpkg ($PKGDIR/<cat>/<pf>.gpkg.tar) overwrites the one before; " +
    `fix: remove -binpkg-multi-instance (or -*) from FEATURES in ${local}`]);

  await rm(path.join(setUp.etcPortage, "make.conf"), { recursive: true });
  const noMakeConf = await doctor(setUp);
  assert.equal(noMakeConf.code, 4);
  assert.deepEqual(notOk(noMakeConf), [`problem: etc_portage: ${setUp.etcPortage} has no make.conf, so containers would build without your ` +
    `CFLAGS, FEATURES and USE; fix: copy the stage's: cp ${stage}/etc/portage/make.conf ${setUp.etcPortage}/make.conf`]);
});

test("the stage's Gentoo binhost copied into etc_portage with FEATURES=getbinpkg: a warning that explains the effect", { skip }, async (t) => {
  await guard(t);
  const setUp = await createSetUp();
  await runChecked(nodeExec, ["cp", "-a", path.join(stage, "etc/portage/binrepos.conf"), path.join(setUp.etcPortage, "binrepos.conf")]);
  await writeFile(path.join(setUp.etcPortage, "make.conf"), 'FEATURES="buildpkg getbinpkg"\n');
  const report = await doctor(setUp);
  assert.equal(report.code, 0);
  const conf = path.join(setUp.etcPortage, "binrepos.conf/gentoobinhost.conf");
  const makeConf = path.join(setUp.etcPortage, "make.conf");
  assert.deepEqual(notOk(report), [`warning: binrepos.conf: ${conf} enables the remote binhost ` +
    "https://distfiles.gentoo.org/releases/amd64/binpackages/23.0/x86-64 [gentoobinhost], and FEATURES=getbinpkg in " +
    `${makeConf} makes emerge --usepkg download its binpkgs instead of building them: they land in PKGDIR and your binhost ` +
    "serves them as if built here, with that binhost's USE flags and CFLAGS; fix: to build everything here, remove getbinpkg " +
    `from FEATURES in ${makeConf}, or delete [gentoobinhost] from ${conf}`]);
  assert.equal(report.lines.at(-1), "0 problems, 1 warning");
});

test("no systemd-nspawn in PATH is a problem with the package to install", { skip }, async (t) => {
  await guard(t);
  const setUp = await createSetUp();
  const report = await doctor(setUp, { ...process.env, PATH: path.join(setUp.root, "empty-bin") });
  assert.equal(report.code, 4);
  assert.deepEqual(notOk(report), ["problem: systemd-nspawn: not found in PATH; binpkgbot runs every task in a systemd-nspawn container; " +
    "fix: install it: apt-get install systemd-container (Debian, Ubuntu), emerge sys-apps/systemd (Gentoo), dnf install systemd-container (Fedora)"]);
});

test("an invalid config ends doctor with exit 3 before any check", { skip }, async () => {
  const setUp = await createSetUp();
  await writeFile(setUp.config, "stage: [not, a, path]\n");
  const report = await doctor(setUp);
  assert.equal(report.code, 3);
  assert.doesNotMatch(report.lines.join("\n"), /^(ok|problem):/m);
});
