// Binpkgs uploaded by workers into the coordinator's PKGDIR over HTTP on loopback: under Portage's
// own index lock, whole or not at all, and with an index that Portage's reader parses; and read back
// by a worker for its PKGDIR copy, only what the index may list.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, readdir, readFile, stat, symlink, utimes, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { nodeExec } from "../../src/exec/exec.js";
import { mirrorPkgdir } from "../../src/fleet/transfer/pkgdir-mirror.js";
import { StageSyncError } from "../../src/fleet/transfer/stage-sync.js";
import { createTransferClient } from "../../src/fleet/transfer/transfer-client.js";
import { renderPackagesIndex, parsePackagesIndex } from "../../src/portage/packages-index.js";
import { buildLockfRun } from "./harness/test-stage.js";
import { integrationSuite } from "./harness/suite.js";
import { createTransferWorld } from "./support/transfer-world.js";

const suite = await integrationSuite();
const { skip } = suite;

interface Built {
  path: string;
  bytes: Buffer;
  fields: Record<string, string>;
}

/** A job's PKGDIR as Portage leaves it: the files and a Packages index listing them. */
async function jobPkgdir(dir: string, packages: { cpv: string; buildId: number; size: number }[]): Promise<Built[]> {
  const built: Built[] = [];
  for (const { cpv, buildId, size } of packages) {
    const [category = "", pf = ""] = cpv.split("/");
    const pn = pf.replace(/-[0-9].*$/, "");
    const rel = `${category}/${pn}/${pf}-${buildId}.gpkg.tar`;
    const bytes = randomBytes(size);
    await mkdir(path.join(dir, category, pn), { recursive: true });
    await writeFile(path.join(dir, rel), bytes);
    const fields = {
      BUILD_ID: String(buildId), BUILD_TIME: "1764633600", CPV: cpv, EAPI: "8", KEYWORDS: "amd64",
      MD5: createHash("md5").update(bytes).digest("hex"), PATH: rel, SHA1: createHash("sha1").update(bytes).digest("hex"),
      SIZE: String(size), SLOT: "0", USE: "amd64 elibc_glibc", MTIME: "1764633600",
    };
    built.push({ path: rel, bytes, fields });
  }
  const header = { ARCH: "amd64", CHOST: "x86_64-pc-linux-gnu", PACKAGES: String(built.length), TIMESTAMP: "1764633600", VERSION: "0" };
  await writeFile(path.join(dir, "Packages"), renderPackagesIndex({ header, packages: built }));
  return built;
}

/** Every name under PKGDIR, hidden ones included. */
async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

async function coordinatorIndex(pkgdir: string) {
  const index = parsePackagesIndex(await readFile(path.join(pkgdir, "Packages"), "utf8"));
  assert.deepEqual(index.issues, []);
  return index;
}

test("two uploads at once: both files land, the index lists both with a consistent header, and parses", { skip, timeout: 60_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 1);
  t.after(() => world.close());
  const [one, two] = [await world.worker("worker-1"), await world.worker("worker-2")];
  const jobOne = path.join(world.root, "job-1");
  const jobTwo = path.join(world.root, "job-2");
  const [a] = await jobPkgdir(jobOne, [{ cpv: "app-misc/hello-1.0", buildId: 1, size: 3_000_000 }]);
  const [b] = await jobPkgdir(jobTwo, [{ cpv: "dev-libs/thing-2.1", buildId: 1, size: 2_000_000 }]);
  await Promise.all([one.uploadBinpkgs("amd64-server", jobOne, [a!.path]), two.uploadBinpkgs("amd64-server", jobTwo, [b!.path])]);
  const index = await coordinatorIndex(world.target.pkgdir);
  assert.deepEqual(index.packages.map((entry) => entry.path).sort(), [a!.path, b!.path]);
  assert.equal(index.header.PACKAGES, "2");
  assert.match(index.header.TIMESTAMP ?? "", /^[0-9]{10}$/);
  for (const built of [a!, b!]) {
    assert.deepEqual(await readFile(path.join(world.target.pkgdir, built.path)), built.bytes);
    const entry = index.packages.find((candidate) => candidate.path === built.path);
    assert.equal(entry?.fields.MD5, built.fields.MD5);
    assert.equal(entry?.fields.MTIME, String(Math.floor((await stat(path.join(world.target.pkgdir, built.path))).mtimeMs / 1000)));
  }
  assert.deepEqual((await listTree(world.target.pkgdir)).filter((name) => name.startsWith(".")), [], "no temporary or lock file stays");
});

test("a second build of one version from another worker gets the next BUILD_ID, as Portage allocates it; a repeated upload adds nothing", { skip, timeout: 60_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 1);
  t.after(() => world.close());
  const worker = await world.worker("worker");
  const [first] = await jobPkgdir(path.join(world.root, "job-1"), [{ cpv: "app-misc/hello-1.0", buildId: 1, size: 1000 }]);
  const [second] = await jobPkgdir(path.join(world.root, "job-2"), [{ cpv: "app-misc/hello-1.0", buildId: 1, size: 2000 }]);
  assert.deepEqual(await worker.uploadBinpkgs("amd64-server", path.join(world.root, "job-1"), [first!.path]), ["app-misc/hello/hello-1.0-1.gpkg.tar"]);
  assert.deepEqual(await worker.uploadBinpkgs("amd64-server", path.join(world.root, "job-2"), [second!.path]), ["app-misc/hello/hello-1.0-2.gpkg.tar"], "the worker learns where its upload went");
  // A retry of an upload that arrived (its answer lost) adds nothing.
  assert.deepEqual(await worker.uploadBinpkgs("amd64-server", path.join(world.root, "job-1"), [first!.path]), ["app-misc/hello/hello-1.0-1.gpkg.tar"]);
  const index = await coordinatorIndex(world.target.pkgdir);
  assert.deepEqual(index.packages.map((entry) => [entry.path, entry.buildId, entry.size]), [
    ["app-misc/hello/hello-1.0-1.gpkg.tar", 1, 1000],
    ["app-misc/hello/hello-1.0-2.gpkg.tar", 2, 2000],
  ]);
  assert.deepEqual(await readFile(path.join(world.target.pkgdir, "app-misc/hello/hello-1.0-2.gpkg.tar")), second!.bytes);
  assert.deepEqual((await readdir(path.join(world.target.pkgdir, "app-misc/hello"))).sort(), ["hello-1.0-1.gpkg.tar", "hello-1.0-2.gpkg.tar"]);
});

test("an upload cut off midway leaves nothing in PKGDIR; one whose bytes do not match its entry is refused", { skip, timeout: 60_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 1);
  t.after(() => world.close());
  const worker = await world.worker("worker");
  const job = path.join(world.root, "job");
  const [kept] = await jobPkgdir(job, [{ cpv: "app-misc/kept-1.0", buildId: 1, size: 1000 }]);
  await worker.uploadBinpkgs("amd64-server", job, [kept!.path]);
  const before = await listTree(world.target.pkgdir);
  const indexBefore = await readFile(path.join(world.target.pkgdir, "Packages"), "utf8");

  const [cut] = await jobPkgdir(path.join(world.root, "job-cut"), [{ cpv: "app-misc/cut-1.0", buildId: 1, size: 4_000_000 }]);
  const entry = Buffer.from(Object.entries(cut!.fields).map(([key, value]) => `${key}: ${value}\n`).join(""));
  const req = http.request(new URL(`/fleet/amd64-server/binpkgs/${cut!.path}`, world.server.url), {
    method: "PUT",
    headers: { authorization: `Bearer ${world.token}`, "x-binpkgbot-entry-length": String(entry.length), "content-length": String(entry.length + cut!.bytes.length) },
  });
  req.on("error", () => undefined);
  req.write(entry);
  req.write(cut!.bytes.subarray(0, 1_500_000));
  await sleep(300);
  assert.ok((await readdir(world.target.pkgdir)).some((name) => name.endsWith(".tmp")), "the upload was under way");
  req.destroy();
  for (let tries = 0; tries < 50 && (await listTree(world.target.pkgdir)).join() !== before.join(); tries += 1) await sleep(100);
  assert.deepEqual(await listTree(world.target.pkgdir), before);
  assert.equal(await readFile(path.join(world.target.pkgdir, "Packages"), "utf8"), indexBefore);

  const job2 = path.join(world.root, "job-bad");
  const [bad] = await jobPkgdir(job2, [{ cpv: "app-misc/bad-1.0", buildId: 1, size: 1000 }]);
  await writeFile(path.join(job2, bad!.path), randomBytes(1000));
  const refused = await worker.uploadBinpkgs("amd64-server", job2, [bad!.path]).then(() => null, (error: unknown) => error);
  assert.ok(refused instanceof StageSyncError, String(refused));
  assert.match(refused.message, /answered 422: app-misc\/bad\/bad-1\.0-1\.gpkg\.tar: the received bytes' MD5 is [0-9a-f]{32}, the entry says [0-9a-f]{32}/);
  assert.deepEqual(await listTree(world.target.pkgdir), before);
});

test("an upload waits while another process holds Portage's lockf on .Packages.portage_lockfile", { skip, timeout: 60_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 1);
  t.after(() => world.close());
  const worker = await world.worker("worker");
  const lockfRun = path.join(world.root, "lockf-run");
  await buildLockfRun(nodeExec, lockfRun);
  const holder = spawn(lockfRun, [path.join(world.target.pkgdir, ".Packages.portage_lockfile"), "/bin/sh", "-c", "echo held; exec cat"], { stdio: ["pipe", "pipe", "inherit"] });
  await once(holder.stdout, "data");
  const job = path.join(world.root, "job");
  const [built] = await jobPkgdir(job, [{ cpv: "app-misc/hello-1.0", buildId: 1, size: 1000 }]);
  let done = false;
  const upload = worker.uploadBinpkgs("amd64-server", job, [built!.path]).then(() => { done = true; });
  await sleep(1500);
  assert.equal(done, false, "the upload finished while Portage's lock was held");
  assert.deepEqual((await readdir(world.target.pkgdir)).filter((name) => name.startsWith("Packages")), [], "no index while the lock is held");
  holder.stdin.end();
  await once(holder, "exit");
  await upload;
  assert.deepEqual((await coordinatorIndex(world.target.pkgdir)).packages.map((entry) => entry.path), [built!.path]);
});

test("a worker's PKGDIR copy: the coordinator serves its index and binpkgs to the token only, never a lock, temporary file, symlink or FIFO; a file whose bytes are not its entry's is left out of the copy", { skip, timeout: 60_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 1);
  t.after(() => world.close());
  const worker = await world.worker("worker");
  const job = path.join(world.root, "job");
  const built = await jobPkgdir(job, [{ cpv: "app-misc/hello-1.0", buildId: 1, size: 3000 }, { cpv: "app-misc/other-1.0", buildId: 1, size: 2000 }]);
  await worker.uploadBinpkgs("amd64-server", job, built.map((entry) => entry.path));
  const pkgdir = world.target.pkgdir;
  await writeFile(path.join(pkgdir, ".Packages.portage_lockfile"), "");
  await writeFile(path.join(pkgdir, "app-misc/hello/.binpkgbot-upload-0.tmp"), "half");
  await mkdir(path.join(pkgdir, "app-misc/link"));
  await symlink("/etc/passwd", path.join(pkgdir, "app-misc/link/link-1.0-1.gpkg.tar"));
  await symlink("../hello/hello-1.0-1.gpkg.tar", path.join(pkgdir, "app-misc/link/link-2.0-1.gpkg.tar"));
  await mkdir(path.join(pkgdir, "app-misc/fifo"));
  await nodeExec.run(["mkfifo", path.join(pkgdir, "app-misc/fifo/fifo-1.0-1.gpkg.tar")]);
  const get = (rel: string, token = world.token): Promise<Response> => fetch(new URL(`/fleet/amd64-server/binpkgs/${rel}`, world.server.url), { headers: { authorization: `Bearer ${token}` } });

  const index = await get("Packages");
  assert.equal(index.status, 200);
  assert.equal(await index.text(), await readFile(path.join(pkgdir, "Packages"), "utf8"));
  const hello = await get(built[0]!.path);
  assert.equal(hello.status, 200);
  assert.deepEqual(Buffer.from(await hello.arrayBuffer()), built[0]!.bytes);
  assert.equal((await get(built[0]!.path, "wrong-token-of-enough-length")).status, 401);
  for (const [rel, status] of [[".Packages.portage_lockfile", 400], ["app-misc/hello/.binpkgbot-upload-0.tmp", 400], ["Packages.gz", 400],
    ["app-misc/link/link-1.0-1.gpkg.tar", 404], ["app-misc/link/link-2.0-1.gpkg.tar", 404], ["app-misc/fifo/fifo-1.0-1.gpkg.tar", 404]] as const) {
    const res = await get(rel);
    assert.equal(res.status, status, `${rel}: ${await res.text()}`);
  }

  // The copy: both binpkgs, the index as the coordinator's. Then other's bytes change on the coordinator
  // (same size and time, as a file being replaced): a fresh copy leaves it out, and keeps nothing half.
  const client = await createTransferClient({ url: world.server.url, token: world.token });
  const copy = path.join(world.root, "copy");
  assert.deepEqual((await mirrorPkgdir(client, "amd64-server", copy)).fetched.sort(), built.map((entry) => entry.path).sort());
  for (const entry of built) assert.deepEqual(await readFile(path.join(copy, entry.path)), entry.bytes);
  assert.equal(await readFile(path.join(copy, "Packages"), "utf8"), await readFile(path.join(pkgdir, "Packages"), "utf8"));
  const other = path.join(pkgdir, built[1]!.path);
  const { mtime } = await stat(other);
  await writeFile(other, randomBytes(2000));
  await utimes(other, mtime, mtime);
  const fresh = path.join(world.root, "fresh");
  const mirrored = await mirrorPkgdir(client, "amd64-server", fresh);
  assert.deepEqual(mirrored.fetched, [built[0]!.path]);
  assert.match(mirrored.skipped.map((entry) => `${entry.path}: ${entry.reason}`).join("\n"), /^app-misc\/other\/other-1\.0-1\.gpkg\.tar: .*the received bytes' MD5 is [0-9a-f]{32}, the entry says/);
  assert.deepEqual(parsePackagesIndex(await readFile(path.join(fresh, "Packages"), "utf8")).packages.map((entry) => entry.path), [built[0]!.path]);
  assert.deepEqual(await listTree(fresh), ["Packages", "app-misc", "app-misc/hello", `${built[0]!.path}`, "app-misc/other"]);
});
