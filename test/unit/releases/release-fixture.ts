// A temporary PKGDIR with an empty Packages and an ebuild repository (profiles/repo_name) beside it,
// removed after the test; releases of it are hard-link trees (no btrfs).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { ReleaseDeps } from "../../../src/releases/publish.js";
import { releasesLayout, type ReleasesLayout } from "../../../src/releases/release-layout.js";
import { directoryBtrfs } from "../stage/directory-btrfs.js";

export interface ReleaseFixture {
  pkgdir: string;
  repo: string;
  layout: ReleasesLayout;
  deps: ReleaseDeps;
}

export async function releaseFixture(t: TestContext, deps: Partial<ReleaseDeps> = {}): Promise<ReleaseFixture> {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-release-repo-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const pkgdir = join(dir, "binpkgs");
  const repo = join(dir, "gentoo");
  await mkdir(pkgdir);
  await writeFile(join(pkgdir, "Packages"), "PACKAGES: 0\n\n");
  await mkdir(join(repo, "profiles"), { recursive: true });
  await writeFile(join(repo, "profiles", "repo_name"), "gentoo\n");
  return { pkgdir, repo, layout: releasesLayout(`${pkgdir}.releases`), deps: { exec: directoryBtrfs(), now: () => new Date(0), isSubvolume: async () => false, ...deps } };
}
