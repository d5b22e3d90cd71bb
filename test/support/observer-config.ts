// A config of one install task over a stage, etc_portage and repository laid out in a directory: what
// the state observer needs to fingerprint a task without containers.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../../src/config/config.js";

export async function observerConfig(dir: string): Promise<Config> {
  for (const sub of ["stage", "etc-portage", "gentoo/metadata", "packages", "state"]) await mkdir(path.join(dir, sub), { recursive: true });
  await writeFile(path.join(dir, "etc-portage", "make.conf"), "USE=x\n");
  await writeFile(path.join(dir, "gentoo", "metadata", "timestamp.chk"), "Thu, 26 Nov 2026 00:00:00 +0000\n");
  const origin = { file: path.join(dir, "binpkgbot.yml"), path: [], line: 1, includedFrom: [] };
  return {
    file: origin.file, files: [origin.file], stage: path.join(dir, "stage"), stageGenerations: 3, keepFailed: 3,
    etcPortage: path.join(dir, "etc-portage"), portageRepo: path.join(dir, "gentoo"), portageRepoLocation: "/var/db/repos/gentoo",
    pkgdir: path.join(dir, "packages"), pkgdirLocation: "/var/cache/binpkgs", distdir: null, distdirLocation: "/var/cache/distfiles",
    stateDir: path.join(dir, "state"), useSudo: false, emergeOptions: [], configProtectMask: "/etc", sync: { kind: "none" }, stageBinrepos: false, signing: null, binds: [],
    tasks: [{ kind: "install", id: "tmux", atom: "app-misc/tmux", persist: false, modifiers: { use: [], acceptKeywords: [], unmask: [], mask: [] }, origin }],
  };
}
