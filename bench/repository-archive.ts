// Archiving a repository shaped like ::gentoo for a release (src/releases/repository-archive.ts): 20,000
// packages of two ebuilds, a Manifest and a metadata.xml each, and an md5-cache entry per ebuild, about
// 120,000 files (::gentoo has about 31,000 packages). Publishing a release of an unchanged repository
// reuses the archive: that costs one lstat. Run: `npm run build && node build/bench/repository-archive.js`.
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeRepositoryArchive } from "../src/releases/repository-archive.js";
import { round, timeMs, type BenchResult } from "./measure.js";

const PACKAGES = 20_000;

async function writeRepository(repo: string): Promise<void> {
  await mkdir(join(repo, "profiles"), { recursive: true });
  await writeFile(join(repo, "profiles", "repo_name"), "gentoo\n");
  for (let i = 0; i < PACKAGES; i++) {
    const category = `cat-${i % 170}`;
    const dir = join(repo, category, `pkg${i}`);
    const cache = join(repo, "metadata", "md5-cache", category);
    await mkdir(dir, { recursive: true });
    await mkdir(cache, { recursive: true });
    for (const version of ["1.0", "1.1"]) {
      await writeFile(join(dir, `pkg${i}-${version}.ebuild`), `# Copyright 1999-2026 Gentoo Authors\nEAPI=8\n\nDESCRIPTION="package ${i}"\nHOMEPAGE="https://example.org/${i}"\nSRC_URI="https://example.org/${i}-${version}.tar.gz"\nLICENSE="MIT"\nSLOT="0"\nKEYWORDS="~amd64 ~arm64"\nIUSE="doc test"\n\nsrc_configure() {\n\teconf $(use_enable doc)\n}\n`);
      await writeFile(join(cache, `pkg${i}-${version}`), `DEFINED_PHASES=configure\nDESCRIPTION=package ${i}\nEAPI=8\nHOMEPAGE=https://example.org/${i}\nIUSE=doc test\nKEYWORDS=~amd64 ~arm64\nLICENSE=MIT\nSLOT=0\nSRC_URI=https://example.org/${i}-${version}.tar.gz\n_md5_=${"0".repeat(32)}\n`);
    }
    await writeFile(join(dir, "Manifest"), `DIST pkg${i}-1.0.tar.gz 123456 BLAKE2B ${"a".repeat(128)} SHA512 ${"b".repeat(128)}\nDIST pkg${i}-1.1.tar.gz 123457 BLAKE2B ${"c".repeat(128)} SHA512 ${"d".repeat(128)}\n`);
    await writeFile(join(dir, "metadata.xml"), `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE pkgmetadata SYSTEM "https://www.gentoo.org/dtd/metadata.dtd">\n<pkgmetadata>\n\t<maintainer type="person"><email>dev${i % 300}@gentoo.org</email></maintainer>\n</pkgmetadata>\n`);
  }
}

export async function benchRepositoryArchive(): Promise<BenchResult[]> {
  const work = await mkdtemp(join(tmpdir(), "binpkgbot-bench-repo-archive-"));
  try {
    const repo = join(work, "gentoo");
    await writeRepository(repo);
    const archive = join(work, "repository.zip");
    let entries = 0;
    const ms = await timeMs(async () => (entries = (await writeRepositoryArchive(repo, archive)).entries));
    const bytes = (await stat(archive)).size;
    return [
      { name: "archive a ::gentoo-shaped repository", value: round(ms / 1000, 1), unit: "s", detail: `${entries} entries, ${PACKAGES} packages; once per repository revision` },
      { name: "its archive (what a server downloads)", value: round(bytes / 1e6, 1), unit: "MB", detail: "deflate per file, as zip does" },
    ];
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const result of await benchRepositoryArchive()) console.log(`${result.name.padEnd(44)} ${String(result.value).padStart(10)} ${result.unit.padEnd(6)} ${result.detail ?? ""}`);
}
