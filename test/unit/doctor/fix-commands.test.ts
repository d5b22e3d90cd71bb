// Paths in binpkgbot.yml may hold spaces or quotes; a fix that names a command must still be
// one that can be pasted into a shell as printed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkAll } from "../../../src/doctor/checks.js";
import type { DoctorFacts } from "../../../src/doctor/facts.js";

function factsWithSpaces(): DoctorFacts {
  const missingAt = (path: string) => ({ path, kind: "missing" as const, writable: false, existingAncestor: "/srv", filesystem: "btrfs" });
  return {
    configFile: "/etc/binpkgbot/my config.yml",
    nspawn: { path: "/usr/bin/systemd-nspawn", version: 252 },
    stage: {
      path: "/srv/my stage", kind: "directory", symlinkTarget: null, filesystem: "btrfs", subvolume: false, hasUsr: true,
      parent: { path: "/srv/it's here", kind: "directory", writable: false, existingAncestor: null, filesystem: "btrfs" },
      binrepos: [],
    },
    pkgdir: { path: "/srv/bin pkgs", kind: "not-directory", writable: false, existingAncestor: null, filesystem: "btrfs" },
    distdir: missingAt("/srv/dist files"),
    stateDir: { path: "/var/lib/bin bot", kind: "directory", writable: false, existingAncestor: null, filesystem: "btrfs" },
    portageRepo: { path: "/srv/gentoo repo", kind: "directory", repoName: null, hasMetadataDir: false },
    etcPortage: { path: "/srv/etc portage", kind: "directory", makeConf: null, binrepos: [] },
    binds: [{ from: "/srv/c cache", to: "/var/cache/ccache", writable: true, source: "missing", target: null }],
    buildAtoms: ["app-editors/vim"],
    emergeOptions: [],
    syncEnabled: true,
  };
}

const fixOf = (subject: string): string => checkAll(factsWithSpaces()).filter((f) => f.subject === subject && f.fix !== undefined).map((f) => f.fix).join(" | ");

test("fix commands quote paths with spaces or quotes, so they can be pasted into a shell", () => {
  assert.match(fixOf("etc_portage"), /cp '\/srv\/my stage\/etc\/portage\/make\.conf' '\/srv\/etc portage\/make\.conf'/);
  assert.match(fixOf("pkgdir"), /rm '\/srv\/bin pkgs'/);
  assert.match(fixOf("state_dir"), /ls -ld '\/var\/lib\/bin bot'; findmnt -T '\/var\/lib\/bin bot'/);
  assert.match(fixOf("portage_repo"), /gentoo\.git '\/srv\/gentoo repo'/);
  assert.match(fixOf("bind /srv/c cache"), /mkdir -p '\/srv\/c cache'/);
  assert.match(fixOf("stage"), /ls -ld '\/srv\/it'\\''s here'/);
  assert.match(fixOf("stage"), /btrfs subvolume create '\/srv\/my stage\.new' && cp -a --reflink=always '\/srv\/my stage\/\.' '\/srv\/my stage\.new\/'/);
});

test("the stage init command in a fix quotes a config file with a space", () => {
  const facts = factsWithSpaces();
  const findings = checkAll({ ...facts, stage: { ...facts.stage, kind: "missing", parent: { path: "/srv", kind: "directory", writable: true, existingAncestor: null, filesystem: "btrfs" } } });
  const fix = findings.find((f) => f.subject === "stage" && f.level === "problem")?.fix ?? "";
  assert.match(fix, /binpkgbot stage init --from stage3-….tar.xz -c '\/etc\/binpkgbot\/my config\.yml'$/);
});
