// Each release carries the ebuild repository it was built from, on real btrfs: runs publish their
// PKGDIR and the repository's archive, the binhost serves it, and a server set up with
// `client-config --with-repo` fetches exactly the URL its repos.conf names and unpacks it the way
// Portage's zipfile sync does (lib/portage/sync/modules/zipfile/zipfile.py, re-stated below in Python,
// whose zipfile module Portage uses): the tree it gets is the release's, older or newer than its own.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { test, type TestContext } from "node:test";
import { deleteSubvolume } from "../../src/container/btrfs.js";
import { nodeExec, runChecked } from "../../src/exec/exec.js";
import { readReleases } from "../../src/releases/read-releases.js";
import { releasesLayout } from "../../src/releases/release-layout.js";
import { renderCentralHeader, renderEndRecords, renderLocalHeader } from "../../src/releases/zip-records.js";
import { startBinhost } from "../../src/server/binhost.js";
import { leakGuard } from "./harness/leak-guard.js";
import { integrationSuite } from "./harness/suite.js";
import { configText, createWorld, runCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

/**
 * What zipfile.py's sync does, step by step: GET sync-uri with If-None-Match from `.info`; on 304
 * nothing changes; else move the old tree aside, strip as many leading components as the first entry
 * named `profiles` has, create the listed directories, write each file, drop the old tree, and keep
 * the ETag in `.info`. Prints "unchanged" or "synced".
 */
const ZIPFILE_SYNC = String.raw`
import os, os.path, shutil, sys, tempfile, urllib.error, urllib.request, zipfile
uri, location = sys.argv[1], sys.argv[2]
req = urllib.request.Request(url=uri)
info = os.path.join(location, ".info")
if os.path.exists(info):
    req.add_header("If-None-Match", open(info).read().split()[1])
try:
    with urllib.request.urlopen(req) as response, tempfile.NamedTemporaryFile(delete=False) as tmp:
        shutil.copyfileobj(response, tmp)
        etag = response.headers.get("etag")
except urllib.error.HTTPError as error:
    if error.code == 304:
        print("unchanged"); sys.exit(0)
    raise
assert zipfile.is_zipfile(tmp.name)
old = tempfile.mkdtemp(prefix=".temp", dir=location)
for name in os.listdir(location):
    if name != os.path.basename(old):
        os.rename(os.path.join(location, name), os.path.join(old, name))
with zipfile.ZipFile(tmp.name) as archive:
    strip = 0
    for name in archive.namelist():
        name = os.path.normpath(name)
        if os.path.basename(name) == "profiles":
            strip = name.count("/"); break
    for entry in archive.infolist():
        parts = os.path.normpath(entry.filename).split("/")
        dest = os.path.join(location, *parts[strip:])
        if entry.is_dir():
            os.makedirs(dest, mode=0o755, exist_ok=True); continue
        with archive.open(entry) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out)
shutil.rmtree(old)
with open(info, "w") as out:
    out.write(f"etag {etag}\n")
print("synced")
`;

/** Never spawnSync: the binhost under test answers from this process's event loop. */
function runProcess(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.once("error", (error) => reject(new Error(`${argv[0]} is needed here: ${error.message}`)));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function zipfileSync(uri: string, location: string): Promise<string> {
  const result = await runProcess(["python3", "-c", ZIPFILE_SYNC, uri, location]);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

/** Relative path → content of every file below `dir`, leaving out the names given. */
async function readTree(dir: string, leaveOut: string[] = []): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, file);
    if (entry.isFile() && !leaveOut.includes(relative)) tree[relative] = await readFile(file, "utf8");
  }
  return tree;
}

async function releaseWorld(t: TestContext): Promise<World> {
  const world = await createWorld(suite.fixture().dir);
  await rm(world.pkgdir, { recursive: true });
  await runChecked(nodeExec, ["btrfs", "subvolume", "create", world.pkgdir]);
  await writeFile(world.config, configText(world, "sync: false\npublish: auto\ntasks:\n  - install: app-misc/one\n"));
  const check = await leakGuard(suite.fixture().dir);
  t.after(async () => {
    for (const name of await readdir(layoutOf(world).dir).catch(() => [] as string[])) {
      if (/^\d+$/.test(name)) await deleteSubvolume(nodeExec, path.join(layoutOf(world).dir, name));
    }
    await deleteSubvolume(nodeExec, world.pkgdir);
    await check();
  });
  return world;
}

const layoutOf = (world: World) => releasesLayout(`${world.pkgdir}.releases`);

test("a server set up with client-config --with-repo --tag syncs the tagged release's repository from the binhost, by the exact URL in its repos.conf", { skip, timeout: 300_000 }, async (t) => {
  const world = await releaseWorld(t);
  assert.equal((await runCli(["run", "-c", world.config])).code, 0);
  assert.equal((await runCli(["releases", "tag", "prod", "1", "-c", world.config])).code, 0);
  const builtFrom = await readTree(world.repo);
  await mkdir(path.join(world.repo, "app-misc", "later"));
  await writeFile(path.join(world.repo, "app-misc", "later", "later-1.0.ebuild"), "EAPI=8\n");
  await writeFile(path.join(world.repo, "metadata-timestamp"), "2\n");
  assert.equal((await runCli(["run", "-c", world.config])).code, 0);
  const releases = await readReleases(layoutOf(world));
  assert.deepEqual(releases.map((release) => release.number), [1, 2]);
  assert.notEqual(releases[0]!.meta.repositoryArchive, releases[1]!.meta.repositoryArchive, "the repository changed between the runs");

  const binhost = await startBinhost({ pkgdir: world.pkgdir, releasesDir: layoutOf(world).dir, log: () => undefined });
  t.after(() => binhost.close());
  const root = await mkdtemp(path.join(world.root, "server-"));
  const script = await runCli(["client-config", "--url", binhost.url, "--tag", "prod", "--with-repo", "--format", "script", "-c", world.config]);
  assert.equal(script.code, 0, script.stderr);
  await writeFile(path.join(root, "setup.sh"), script.stdout);
  const setUp = await runProcess(["sh", path.join(root, "setup.sh")], { ...process.env, ROOT: root });
  assert.equal(setUp.status, 0, setUp.stderr);
  const reposConf = await readFile(path.join(root, "etc/portage/repos.conf/gentoo.conf"), "utf8");
  assert.match(reposConf, /^\[gentoo\]$/m);
  assert.match(reposConf, /^sync-type = zipfile$/m);
  const syncUri = /^sync-uri = (.+)$/m.exec(reposConf)?.[1] ?? assert.fail(reposConf);
  assert.equal(syncUri, `${binhost.url}/tags/prod/repository.zip`);

  const location = path.join(root, "var/db/repos/gentoo");
  await mkdir(path.join(location, "app-misc", "stale"), { recursive: true });
  await writeFile(path.join(location, "app-misc", "stale", "stale-9.ebuild"), "EAPI=8\n");
  assert.equal(await zipfileSync(syncUri, location), "synced");
  assert.deepEqual(await readTree(location, [".info"]), builtFrom, "exactly release 1's tree: nothing newer, nothing left over");
  assert.equal(await zipfileSync(syncUri, location), "unchanged", "the ETag it kept gets a 304");

  assert.equal((await runCli(["releases", "tag", "prod", "2", "-c", world.config])).code, 0);
  assert.equal(await zipfileSync(syncUri, location), "synced", "moving the tag moves the tree");
  assert.equal(await readFile(path.join(location, "app-misc", "later", "later-1.0.ebuild"), "utf8"), "EAPI=8\n");
  assert.deepEqual(await readTree(location, [".info"]), await readTree(world.repo));
});

test("publishing an unchanged repository again shares its archive; retention removes an archive with its last release", { skip, timeout: 300_000 }, async (t) => {
  const world = await releaseWorld(t);
  await writeFile(world.config, configText(world, "sync: false\npublish: auto\nreleases_keep: 1\ntasks:\n  - install: app-misc/one\n"));
  assert.equal((await runCli(["run", "-c", world.config])).code, 0);
  assert.equal((await runCli(["publish", "-c", world.config])).code, 0);
  const [second] = await readReleases(layoutOf(world));
  assert.equal(second?.number, 2);
  const first = second!.meta.repositoryArchive!;
  assert.deepEqual(await readdir(layoutOf(world).repositoryDir), [first], "one archive for the two releases of one revision");
  await writeFile(path.join(world.repo, "metadata-timestamp"), "3\n");
  assert.equal((await runCli(["publish", "-c", world.config])).code, 0);
  const [third] = await readReleases(layoutOf(world));
  assert.equal(third?.number, 3);
  assert.deepEqual(await readdir(layoutOf(world).repositoryDir), [third!.meta.repositoryArchive!], "release 2 went, and its archive with it");
});

test("an archive of more than 65,535 entries (ZIP64 end records) is read whole by Python's zipfile, which Portage unpacks with", { skip, timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(path.join(suite.fixture().dir, "zip64-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < 70_000; i++) {
    const entry = { name: i === 0 ? "profiles/" : `cat-${i % 100}/pkg-${i}/`, method: 0 as const, crc32: 0, compressedSize: 0, size: 0 };
    const local = renderLocalHeader(entry);
    central.push(renderCentralHeader(entry, offset));
    parts.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(central);
  await writeFile(path.join(dir, "big.zip"), Buffer.concat([...parts, directory, renderEndRecords(central.length, offset, directory.length)]));
  const result = await runProcess(["python3", "-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(z.infolist()), z.infolist()[0].filename, z.infolist()[-1].filename)", path.join(dir, "big.zip")]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), "70000 profiles/ cat-99/pkg-69999/");
});
