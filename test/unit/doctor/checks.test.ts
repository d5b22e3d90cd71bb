import assert from "node:assert/strict";
import { test } from "node:test";
import { checkAll, type Finding } from "../../../src/doctor/checks.js";
import type { DoctorFacts } from "../../../src/doctor/facts.js";
import { renderFinding, renderSummary } from "../../../src/doctor/finding.js";

const GENTOO_BINHOST = "[gentoobinhost]\npriority = 1\nsync-uri = https://distfiles.gentoo.org/releases/amd64/binpackages/23.0/x86-64\n";

function goodFacts(): DoctorFacts {
  const dir = (path: string) => ({ path, kind: "directory" as const, writable: true, existingAncestor: null, filesystem: "btrfs" });
  return {
    configFile: "/etc/binpkgbot/binpkgbot.yml",
    nspawn: { path: "/usr/bin/systemd-nspawn", version: 252 },
    stage: {
      path: "/srv/stage", kind: "directory", symlinkTarget: null, filesystem: "btrfs", subvolume: true, hasUsr: true,
      parent: { path: "/srv", kind: "directory", writable: true, existingAncestor: null, filesystem: "btrfs" },
      binrepos: [{ path: "/srv/stage/etc/portage/binrepos.conf/gentoobinhost.conf", text: GENTOO_BINHOST }],
    },
    pkgdir: dir("/srv/binpkgs"),
    distdir: dir("/srv/distfiles"),
    stateDir: dir("/var/lib/binpkgbot"),
    portageRepo: { path: "/srv/gentoo", kind: "directory", repoName: "gentoo", hasMetadataDir: true },
    etcPortage: {
      path: "/etc/binpkgbot/portage", kind: "directory",
      makeConf: [{ path: "/etc/binpkgbot/portage/make.conf", text: 'COMMON_FLAGS="-O2 -pipe"\nFEATURES="parallel-install"\n' }],
      binrepos: [],
    },
    binds: [{ from: "/srv/ccache", to: "/var/cache/ccache", writable: true, source: "directory", target: null },
      { from: "/etc/binpkgbot/resolv.conf", to: "/etc/resolv.conf", writable: false, source: "file", target: "file" }],
    buildAtoms: ["media-video/ffmpeg", "media-video/ffmpeg", "app-editors/vim"],
    emergeOptions: ["--verbose"],
    syncEnabled: true,
  };
}

/** The findings that are not ok. */
const notOk = (findings: Finding[]): Finding[] => findings.filter((finding) => finding.level !== "ok");

test("a good set-up: no problem and no warning, one ok per subject", () => {
  const findings = checkAll(goodFacts());
  assert.deepEqual(notOk(findings), []);
  assert.deepEqual([...new Set(findings.map((finding) => finding.subject))], [
    "systemd-nspawn", "stage", "pkgdir", "distdir", "state_dir", "portage_repo", "etc_portage", "bind /srv/ccache",
    "bind /etc/binpkgbot/resolv.conf", "binpkg-multi-instance", "stage binrepos.conf", "binrepos.conf",
  ]);
  assert.equal(renderSummary(findings), "no problems found");
});

test("the stage's own Gentoo binhost is reported, and why containers do not see it", () => {
  const stageBinhost = checkAll(goodFacts()).find((finding) => finding.subject === "stage binrepos.conf");
  assert.match(stageBinhost?.message ?? "", /gentoobinhost\.conf names the remote binhost https:\/\/distfiles\.gentoo\.org\/.* \[gentoobinhost\]/);
  assert.match(stageBinhost?.message ?? "", /only \/etc\/binpkgbot\/portage\/binrepos\.conf counts/);
});

interface Case {
  name: string;
  level: "warning" | "problem";
  subject: string;
  message: RegExp;
  fix: RegExp;
  breakIt: (facts: DoctorFacts) => void;
}

const cases: Case[] = [
  { name: "no systemd-nspawn", level: "problem", subject: "systemd-nspawn", message: /not found in PATH/, fix: /apt-get install systemd-container/,
    breakIt: (f) => { f.nspawn = { path: null, version: null }; } },
  { name: "systemd-nspawn too old for --pipe", level: "problem", subject: "systemd-nspawn", message: /systemd 246; .*247 or newer for --pipe/, fix: /upgrade systemd/,
    breakIt: (f) => { f.nspawn.version = 246; } },
  { name: "systemd-nspawn version unknown", level: "warning", subject: "systemd-nspawn", message: /did not tell its version/, fix: /systemd-nspawn --version/,
    breakIt: (f) => { f.nspawn.version = null; } },
  { name: "no stage", level: "problem", subject: "stage", message: /^\/srv\/stage does not exist$/, fix: /^create it from a stage3 tarball: binpkgbot stage init --from .* -c \/etc\/binpkgbot\/binpkgbot\.yml$/,
    breakIt: (f) => { f.stage = { ...f.stage, kind: "missing", filesystem: null, subvolume: false, hasUsr: false, parent: { path: "/srv", kind: "directory", writable: true, existingAncestor: null, filesystem: "btrfs" } }; } },
  { name: "a stage in a read-only directory", level: "problem", subject: "stage", message: /\/srv, the directory of the stage, is not writable: every run writes the stage's lock there/, fix: /findmnt -T \/srv/,
    breakIt: (f) => { f.stage.parent!.writable = false; } },
  { name: "no stage and a parent that is a file", level: "problem", subject: "stage", message: /\/srv\/stage does not exist, and its parent \/srv is not a directory/, fix: /set 'stage' in .* or remove \/srv/,
    breakIt: (f) => { f.stage = { ...f.stage, kind: "missing", filesystem: null, subvolume: false, hasUsr: false, parent: { path: "/srv", kind: "not-directory", writable: false, existingAncestor: null, filesystem: "btrfs" } }; } },
  { name: "a bind source that does not exist", level: "problem", subject: "bind /srv/ccache", message: /\/srv\/ccache does not exist: systemd-nspawn cannot bind it at \/var\/cache\/ccache, so no container would start/,
    fix: /mkdir -p \/srv\/ccache.* or remove the bind from 'binds' in \/etc\/binpkgbot\/binpkgbot\.yml/,
    breakIt: (f) => { f.binds![0]!.source = "missing"; } },
  { name: "a bind source that is a symlink to nothing", level: "problem", subject: "bind /srv/ccache", message: /does not exist \(a symlink to nothing\)/, fix: /mkdir -p/,
    breakIt: (f) => { f.binds![0]!.source = "dangling-symlink"; } },
  { name: "a file bound onto a directory of the stage", level: "problem", subject: "bind /etc/binpkgbot/resolv.conf",
    message: /\/etc\/binpkgbot\/resolv\.conf is a file, but the stage has a directory at \/etc\/resolv\.conf: systemd-nspawn refuses to bind a file onto a directory/, fix: /bind it to another path/,
    breakIt: (f) => { f.binds![1]!.target = "directory"; } },
  { name: "stage symlink to nothing", level: "problem", subject: "stage", message: /a symlink to \/srv\/stage\.generations\/gen-3, which does not exist/, fix: /ln -sfn TARGET \/srv\/stage/,
    breakIt: (f) => { f.stage = { ...f.stage, kind: "dangling-symlink", symlinkTarget: "/srv/stage.generations/gen-3" }; } },
  { name: "stage is a file", level: "problem", subject: "stage", message: /is not a directory/, fix: /set 'stage' in/,
    breakIt: (f) => { f.stage.kind = "not-directory"; } },
  { name: "stage without usr/", level: "problem", subject: "stage", message: /has no usr\/.*systemd-nspawn refuses it/, fix: /stage init/,
    breakIt: (f) => { f.stage.hasUsr = false; } },
  { name: "stage not on btrfs", level: "warning", subject: "stage", message: /on ext4, not btrfs: every throw-away container is a full copy/, fix: /btrfs filesystem/,
    breakIt: (f) => { f.stage.filesystem = "ext4"; f.stage.subvolume = false; } },
  { name: "stage on btrfs but not a subvolume", level: "warning", subject: "stage", message: /plain directory, not a subvolume/,
    fix: /btrfs subvolume create \/srv\/stage\.new && cp -a --reflink=always \/srv\/stage\/\. \/srv\/stage\.new\/ && mv \/srv\/stage \/srv\/stage\.old && mv \/srv\/stage\.new \/srv\/stage/,
    breakIt: (f) => { f.stage.subvolume = false; } },
  { name: "pkgdir read-only", level: "problem", subject: "pkgdir", message: /\/srv\/binpkgs \(on btrfs\) is not writable/, fix: /findmnt -T \/srv\/binpkgs/,
    breakIt: (f) => { f.pkgdir.writable = false; } },
  { name: "pkgdir missing under a read-only parent", level: "problem", subject: "pkgdir", message: /cannot be created: \/srv is not writable/, fix: /mkdir -p \/srv\/binpkgs/,
    breakIt: (f) => { f.pkgdir = { ...f.pkgdir, kind: "missing", writable: false, existingAncestor: "/srv" }; } },
  { name: "pkgdir on tmpfs", level: "warning", subject: "pkgdir", message: /on tmpfs: .*lost at the next reboot/, fix: /set 'pkgdir' to a directory on a disk/,
    breakIt: (f) => { f.pkgdir.filesystem = "tmpfs"; } },
  { name: "state_dir is a file", level: "problem", subject: "state_dir", message: /\/var\/lib\/binpkgbot is not a directory/, fix: /rm \/var\/lib\/binpkgbot/,
    breakIt: (f) => { f.stateDir.kind = "not-directory"; f.stateDir.writable = false; } },
  { name: "state_dir read-only", level: "problem", subject: "state_dir", message: /not writable/, fix: /set 'state_dir' in/,
    breakIt: (f) => { f.stateDir.writable = false; } },
  { name: "no portage_repo", level: "problem", subject: "portage_repo", message: /\/srv\/gentoo does not exist/, fix: /git clone --depth 1 https:\/\/github\.com\/gentoo-mirror\/gentoo\.git \/srv\/gentoo/,
    breakIt: (f) => { f.portageRepo = { ...f.portageRepo, kind: "missing", repoName: null, hasMetadataDir: false }; } },
  { name: "portage_repo empty with sync off", level: "problem", subject: "portage_repo", message: /neither profiles\/repo_name nor metadata\/.*sync is off/, fix: /git clone/,
    breakIt: (f) => { f.portageRepo = { ...f.portageRepo, repoName: null, hasMetadataDir: false }; f.syncEnabled = false; } },
  { name: "portage_repo empty before its first sync", level: "warning", subject: "portage_repo", message: /the sync before the tasks has to fill it/, fix: /git clone/,
    breakIt: (f) => { f.portageRepo = { ...f.portageRepo, repoName: null, hasMetadataDir: false }; } },
  { name: "no etc_portage", level: "problem", subject: "etc_portage", message: /\/etc\/binpkgbot\/portage does not exist/, fix: /cp -a \/srv\/stage\/etc\/portage \/etc\/binpkgbot\/portage/,
    breakIt: (f) => { f.etcPortage = { ...f.etcPortage, kind: "missing", makeConf: null, binrepos: [] }; } },
  { name: "etc_portage without make.conf", level: "problem", subject: "etc_portage", message: /has no make\.conf/, fix: /cp \/srv\/stage\/etc\/portage\/make\.conf \/etc\/binpkgbot\/portage\/make\.conf/,
    breakIt: (f) => { f.etcPortage.makeConf = null; } },
  { name: "binpkg-multi-instance off with variants", level: "problem", subject: "binpkg-multi-instance",
    message: /disabled in \/etc\/binpkgbot\/portage\/make\.conf\/90-local, but media-video\/ffmpeg is built in several variants: .*overwrites/,
    fix: /remove -binpkg-multi-instance \(or -\*\) from FEATURES in \/etc\/binpkgbot\/portage\/make\.conf\/90-local/,
    breakIt: (f) => { f.etcPortage.makeConf = [{ path: "/etc/binpkgbot/portage/make.conf/00-base", text: "CFLAGS=-O2\n" },
      { path: "/etc/binpkgbot/portage/make.conf/90-local", text: 'FEATURES="${FEATURES} -binpkg-multi-instance"\n' }]; } },
  { name: "binpkg-multi-instance off without variants", level: "warning", subject: "binpkg-multi-instance", message: /a variant added later would overwrite/, fix: /remove -binpkg-multi-instance/,
    breakIt: (f) => { f.etcPortage.makeConf = [{ path: "/m", text: "FEATURES='-binpkg-multi-instance'\n" }]; f.buildAtoms = ["app-editors/vim"]; } },
  { name: "remote binhost with FEATURES=getbinpkg", level: "warning", subject: "binrepos.conf",
    message: /enables the remote binhost https:\/\/distfiles\.gentoo\.org\/\S+ \[gentoobinhost\], and FEATURES=getbinpkg in \/etc\/binpkgbot\/portage\/make\.conf makes emerge --usepkg download its binpkgs instead of building them/,
    fix: /remove getbinpkg from FEATURES in \/etc\/binpkgbot\/portage\/make\.conf, or delete \[gentoobinhost\] from \/etc\/binpkgbot\/portage\/binrepos\.conf/,
    breakIt: (f) => {
      f.etcPortage.binrepos = [{ path: "/etc/binpkgbot/portage/binrepos.conf", text: GENTOO_BINHOST }];
      f.etcPortage.makeConf = [{ path: "/etc/binpkgbot/portage/make.conf", text: 'FEATURES="getbinpkg"\n' }];
    } },
  { name: "remote binhost with --getbinpkg in emerge_options", level: "warning", subject: "binrepos.conf", message: /--getbinpkg in emerge_options/, fix: /remove --getbinpkg from emerge_options/,
    breakIt: (f) => {
      f.etcPortage.binrepos = [{ path: "/etc/binpkgbot/portage/binrepos.conf", text: GENTOO_BINHOST }];
      f.emergeOptions = ["--verbose", "-g"];
    } },
];

for (const c of cases) {
  test(`${c.name}: exactly one ${c.level}, with its fix`, () => {
    const facts = goodFacts();
    c.breakIt(facts);
    const findings = notOk(checkAll(facts));
    assert.equal(findings.length, 1, findings.map(renderFinding).join("\n"));
    const [finding] = findings;
    assert.equal(finding?.level, c.level);
    assert.equal(finding?.subject, c.subject);
    assert.match(finding?.message ?? "", c.message);
    assert.match(finding?.fix ?? "", c.fix);
  });
}

test("a missing stage whose parent is missing too, off btrfs: every step of stage init in one report", () => {
  const facts = goodFacts();
  facts.stage = { ...facts.stage, path: "/data/vol/stage", kind: "missing", filesystem: null, subvolume: false, hasUsr: false,
    parent: { path: "/data/vol", kind: "missing", writable: true, existingAncestor: "/data", filesystem: "ext4" } };
  assert.deepEqual(notOk(checkAll(facts)).map(renderFinding), [
    "problem: stage: /data/vol/stage does not exist, nor its parent /data/vol; fix: mkdir -p /data/vol && binpkgbot stage init --from stage3-….tar.xz -c /etc/binpkgbot/binpkgbot.yml",
    "warning: stage filesystem: /data, where /data/vol would go, is on ext4, not btrfs: stage init refuses it without --force-non-btrfs, and there every " +
      "throw-away container is a full copy of the stage; fix: set 'stage' in /etc/binpkgbot/binpkgbot.yml to a path on a btrfs filesystem, or accept the cost: add --force-non-btrfs to stage init",
  ]);
});

test("a remote binhost without getbinpkg is reported as unused", () => {
  const facts = goodFacts();
  facts.etcPortage.binrepos = [{ path: "/etc/binpkgbot/portage/binrepos.conf", text: GENTOO_BINHOST }];
  const finding = checkAll(facts).find((f) => f.subject === "binrepos.conf");
  assert.equal(finding?.level, "ok");
  assert.match(finding?.message ?? "", /unused: getbinpkg is off, and --usepkg only takes binpkgs already in PKGDIR/);
});

test("a stage that is a symlink to a subvolume (a generation) is fine", () => {
  const facts = goodFacts();
  facts.stage.symlinkTarget = "/srv/stage.generations/gen-2";
  const stage = checkAll(facts).filter((f) => f.subject === "stage");
  assert.deepEqual(stage, [{ level: "ok", subject: "stage", message: "/srv/stage (a symlink to /srv/stage.generations/gen-2) is a btrfs subvolume" }]);
});

test("missing pkgdir and state_dir that run can create are fine", () => {
  const facts = goodFacts();
  facts.pkgdir = { ...facts.pkgdir, kind: "missing", existingAncestor: "/srv" };
  assert.deepEqual(notOk(checkAll(facts)), []);
  assert.match(checkAll(facts).find((f) => f.subject === "pkgdir")?.message ?? "", /does not exist yet; binpkgbot run creates it \(on btrfs\)/);
});

test("findings print one per line with their prefix and fix", () => {
  assert.equal(renderFinding({ level: "problem", subject: "stage", message: "/s does not exist", fix: "binpkgbot stage init --from x" }),
    "problem: stage: /s does not exist; fix: binpkgbot stage init --from x");
  assert.equal(renderFinding({ level: "ok", subject: "pkgdir", message: "/p is writable" }), "ok: pkgdir: /p is writable");
  assert.equal(renderSummary([{ level: "problem", subject: "a", message: "b" }, { level: "warning", subject: "c", message: "d" },
    { level: "problem", subject: "e", message: "f" }]), "2 problems, 1 warning");
});

// Paths in binpkgbot.yml may hold spaces or quotes; a fix that names a command must still paste into a shell.
function factsWithSpaces(): DoctorFacts {
  const good = goodFacts();
  const dir = (path: string, kind: "directory" | "not-directory") => ({ path, kind, writable: false, existingAncestor: null, filesystem: "btrfs" });
  return {
    ...good,
    configFile: "/etc/binpkgbot/my config.yml",
    stage: { ...good.stage, path: "/srv/my stage", subvolume: false, parent: dir("/srv/it's here", "directory") },
    pkgdir: dir("/srv/bin pkgs", "not-directory"),
    stateDir: dir("/var/lib/bin bot", "directory"),
    portageRepo: { path: "/srv/gentoo repo", kind: "directory", repoName: null, hasMetadataDir: false },
    etcPortage: { path: "/srv/etc portage", kind: "directory", makeConf: null, binrepos: [] },
    binds: [{ from: "/srv/c cache", to: "/var/cache/ccache", writable: true, source: "missing", target: null }],
  };
}

const fixOf = (facts: DoctorFacts, subject: string): string =>
  checkAll(facts).filter((f) => f.subject === subject && f.fix !== undefined).map((f) => f.fix).join(" | ");

test("fix commands quote paths with spaces or quotes, so they can be pasted into a shell", () => {
  const facts = factsWithSpaces();
  assert.match(fixOf(facts, "etc_portage"), /cp '\/srv\/my stage\/etc\/portage\/make\.conf' '\/srv\/etc portage\/make\.conf'/);
  assert.match(fixOf(facts, "pkgdir"), /rm '\/srv\/bin pkgs'/);
  assert.match(fixOf(facts, "state_dir"), /ls -ld '\/var\/lib\/bin bot'; findmnt -T '\/var\/lib\/bin bot'/);
  assert.match(fixOf(facts, "portage_repo"), /gentoo\.git '\/srv\/gentoo repo'/);
  assert.match(fixOf(facts, "bind /srv/c cache"), /mkdir -p '\/srv\/c cache'/);
  assert.match(fixOf(facts, "stage"), /ls -ld '\/srv\/it'\\''s here'/);
  assert.match(fixOf(facts, "stage"), /btrfs subvolume create '\/srv\/my stage\.new' && cp -a --reflink=always '\/srv\/my stage\/\.' '\/srv\/my stage\.new\/'/);
});

test("the stage init command in a fix quotes a config file with a space", () => {
  const facts = factsWithSpaces();
  const missing = { ...facts, stage: { ...facts.stage, kind: "missing" as const, parent: { ...goodFacts().stage.parent! } } };
  assert.match(fixOf(missing, "stage"), /binpkgbot stage init --from stage3-….tar.xz -c '\/etc\/binpkgbot\/my config\.yml'$/);
});
