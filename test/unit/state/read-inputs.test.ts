import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { Exec, ExecResult } from "../../../src/exec/exec.js";
import { FingerprintInputError, hashDirectory, readBinpkgbotVersion, readRepoRevision } from "../../../src/state/read-inputs.js";
import { repoRoot } from "../../support/fixtures.js";
import { tempStateDir } from "./state-fixtures.js";

function fakeExec(result: Partial<ExecResult>): Exec & { calls: (readonly string[])[] } {
  const calls: (readonly string[])[] = [];
  return {
    calls,
    run: async (argv) => {
      calls.push(argv);
      return { argv, code: 0, signal: null, stdout: "", stderr: "", ...result };
    },
  };
}

const noExec = fakeExec({ code: 127 });

function etcPortage(): string {
  const dir = path.join(tempStateDir(), "etc-portage");
  mkdirSync(path.join(dir, "package.use"), { recursive: true });
  writeFileSync(path.join(dir, "make.conf"), 'COMMON_FLAGS="-O2"\n');
  writeFileSync(path.join(dir, "package.use", "ffmpeg"), "media-video/ffmpeg x265\n");
  symlinkSync("../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0", path.join(dir, "make.profile"));
  return dir;
}

describe("hashDirectory", () => {
  it("is stable, and ignores times", async () => {
    const dir = etcPortage();
    const first = await hashDirectory(dir);
    assert.match(first, /^[0-9a-f]{64}$/);
    utimesSync(path.join(dir, "make.conf"), new Date(0), new Date(0));
    assert.equal(await hashDirectory(dir), first);
  });

  const edits: [string, (dir: string) => void][] = [
    ["a file's content", (dir) => writeFileSync(path.join(dir, "package.use", "ffmpeg"), "media-video/ffmpeg -x265\n")],
    ["a new file", (dir) => writeFileSync(path.join(dir, "package.use", "zz"), "")],
    ["a new empty directory", (dir) => mkdirSync(path.join(dir, "package.mask"))],
    ["a file's mode", (dir) => chmodSync(path.join(dir, "make.conf"), 0o600)],
    ["a symlink's target", (dir) => {
      unlinkSync(path.join(dir, "make.profile"));
      symlinkSync("../../var/db/repos/gentoo/profiles/default/linux/amd64/23.0/desktop", path.join(dir, "make.profile"));
    }],
    ["a rename", (dir) => {
      writeFileSync(path.join(dir, "package.use", "ffmpeg2"), readFileSync(path.join(dir, "package.use", "ffmpeg")));
      unlinkSync(path.join(dir, "package.use", "ffmpeg"));
    }],
  ];
  for (const [what, edit] of edits) {
    it(`changes with ${what}`, async () => {
      const dir = etcPortage();
      const before = await hashDirectory(dir);
      edit(dir);
      assert.notEqual(await hashDirectory(dir), before);
    });
  }

  it("names the directory when it cannot be read", async () => {
    const missing = path.join(tempStateDir(), "nope");
    await assert.rejects(hashDirectory(missing), (error: unknown) => {
      assert.ok(error instanceof FingerprintInputError);
      assert.ok(error.message.startsWith(`cannot read ${missing} to fingerprint it`), error.message);
      return true;
    });
  });
});

describe("readRepoRevision", () => {
  it("asks git for HEAD when .git exists", async () => {
    const repo = tempStateDir();
    mkdirSync(path.join(repo, ".git"));
    const exec = fakeExec({ stdout: "4f1c0ffee\n" });
    assert.equal(await readRepoRevision(repo, exec), "git:4f1c0ffee");
    assert.deepEqual(exec.calls, [["git", "-c", `safe.directory=${repo}`, "-C", repo, "rev-parse", "HEAD"]]);
  });

  it("says which git command failed", async () => {
    const repo = tempStateDir();
    mkdirSync(path.join(repo, ".git"));
    await assert.rejects(readRepoRevision(repo, fakeExec({ code: 128, stderr: "fatal: not a git repository" })),
      /cannot read the git revision of .*fatal: not a git repository; check with: git -c safe.directory=/);
  });

  it("reads metadata/timestamp.chk of an rsync-synced repository", async () => {
    const repo = tempStateDir();
    mkdirSync(path.join(repo, "metadata"));
    writeFileSync(path.join(repo, "metadata", "timestamp.chk"), "Wed, 25 Nov 2026 00:45:00 +0000\n");
    assert.equal(await readRepoRevision(repo, noExec), "timestamp:Wed, 25 Nov 2026 00:45:00 +0000");
    assert.deepEqual(noExec.calls, []);
  });

  it("otherwise hashes the tree's names, sizes and mtimes", async () => {
    const repo = tempStateDir();
    mkdirSync(path.join(repo, "app-misc", "hello"), { recursive: true });
    const ebuild = path.join(repo, "app-misc", "hello", "hello-1.0.ebuild");
    writeFileSync(ebuild, "EAPI=8\n");
    utimesSync(ebuild, new Date(1000), new Date(1000));
    const first = await readRepoRevision(repo, noExec);
    assert.match(first, /^tree:[0-9a-f]{64}$/);
    assert.equal(await readRepoRevision(repo, noExec), first);
    utimesSync(ebuild, new Date(2000), new Date(2000));
    const touched = await readRepoRevision(repo, noExec);
    assert.notEqual(touched, first);
    writeFileSync(path.join(repo, "app-misc", "hello", "hello-1.1.ebuild"), "EAPI=8\n");
    assert.notEqual(await readRepoRevision(repo, noExec), touched);
  });

  it("names the config key when the repository is missing", async () => {
    await assert.rejects(readRepoRevision(path.join(tempStateDir(), "gentoo"), noExec), /does not exist: check 'portage_repo'/);
  });
});

describe("readBinpkgbotVersion", () => {
  it("is the version in package.json", async () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { version: string };
    assert.equal(await readBinpkgbotVersion(), pkg.version);
  });
});
