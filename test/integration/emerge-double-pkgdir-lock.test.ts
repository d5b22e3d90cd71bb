// Several emerges writing one PKGDIR at once, as Portage makes it safe: BUILD_IDs by exclusive create
// (bintree.py _allocate_filename_multi) and the index rewritten under fcntl.lockf on
// .Packages.portage_lockfile (bintree.py inject, locks.py lockfile). The double does the same, so a
// binpkgbot that runs containers side by side into one PKGDIR is tested against the real contract.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { createWorld } from "./support/world.js";
import { inContainer } from "./support/in-container.js";

const suite = await integrationSuite();
const { skip } = suite;

const SHARED = "app-misc/flags";
const OWN = ["app-misc/edge", "app-misc/incumbent", "dev-libs/pinned", "dev-libs/slotted", "=dev-libs/pinned-1.0", "=app-misc/edge-1.0"];
const ROUNDS = 3;

/** PATH → the index block's keys, one entry per block after the header. */
async function indexEntries(pkgdir: string): Promise<Map<string, Map<string, string>>> {
  const text = await readFile(path.join(pkgdir, "Packages"), "utf8");
  const entries = new Map<string, Map<string, string>>();
  for (const block of text.split("\n\n").slice(1)) {
    const keys = new Map(block.split("\n").filter((line) => line.includes(": ")).map((line) => [line.slice(0, line.indexOf(": ")), line.slice(line.indexOf(": ") + 2)]));
    const file = keys.get("PATH");
    if (file !== undefined) entries.set(file, keys);
  }
  return entries;
}

/** Every .gpkg.tar under PKGDIR, relative to it. */
async function binpkgFiles(pkgdir: string): Promise<string[]> {
  const entries = await readdir(pkgdir, { recursive: true });
  return entries.filter((entry) => entry.endsWith(".gpkg.tar")).sort();
}

test(`${OWN.length} concurrent containers into one PKGDIR (bintree.py _allocate_filename_multi, inject under locks.py lockfile): every binpkg indexed, every entry's file there, BUILD_IDs unique per CPV`, { skip, timeout: 600_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  // Each container builds the shared package and its own one ROUNDS times: no --usepkg, so every
  // emerge makes a new build and rewrites the index.
  const results = await Promise.all(OWN.map((own) => inContainer(world, `for r in ${"x ".repeat(ROUNDS)}; do emerge ${SHARED} ${own} || exit 1; done`)));
  for (const result of results) assert.equal(result.code, 0, result.stdout + result.stderr);

  const files = await binpkgFiles(world.pkgdir);
  const entries = await indexEntries(world.pkgdir);
  assert.equal(files.length, OWN.length * ROUNDS * 2, files.join("\n"));
  assert.deepEqual([...entries.keys()].sort(), files, "the index lists exactly the binpkg files");
  for (const [file, keys] of entries) {
    assert.equal(keys.get("SIZE"), String((await stat(path.join(world.pkgdir, file))).size), `${file}: the entry describes the file`);
  }
  const idsByCpv = new Map<string, string[]>();
  for (const keys of entries.values()) idsByCpv.set(keys.get("CPV") ?? "", [...(idsByCpv.get(keys.get("CPV") ?? "") ?? []), keys.get("BUILD_ID") ?? ""]);
  const sharedIds = [...(idsByCpv.get(`${SHARED}-1.0`) ?? [])].map(Number).sort((a, b) => a - b);
  assert.deepEqual(sharedIds, Array.from({ length: OWN.length * ROUNDS }, (_, i) => i + 1), "the shared CPV took BUILD_IDs 1…N, each once");
  for (const [cpv, ids] of idsByCpv) assert.equal(new Set(ids).size, ids.length, `${cpv}: BUILD_IDs ${ids.join(" ")} are unique`);
  const header = (await readFile(path.join(world.pkgdir, "Packages"), "utf8")).split("\n\n")[0] ?? "";
  assert.match(header, new RegExp(`^PACKAGES: ${entries.size}$`, "m"));
});

/** Lines of /proc/locks for the inode: "N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE 0 EOF", a waiter with "->". */
async function locksOn(file: string): Promise<string[]> {
  const inode = (await stat(file)).ino;
  return (await readFile("/proc/locks", "utf8")).split("\n").filter((line) => line.includes(`:${inode} `));
}

test("a host process holding lockf on .Packages.portage_lockfile (locks.py lockfile, fcntl.lockf) makes the double wait: no index until it lets go", { skip, timeout: 120_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const lockfile = path.join(world.pkgdir, ".Packages.portage_lockfile");
  // The stage's static helper, run on the host: it holds the lock while `cat` waits for stdin's end.
  const holder = spawn(path.join(world.stage, "usr/bin/lockf-run"), [lockfile, "/bin/sh", "-c", "echo held; exec cat"], { stdio: ["pipe", "pipe", "inherit"] });
  t.after(() => { holder.kill(); });
  await once(holder.stdout, "data");
  assert.match((await locksOn(lockfile)).join("\n"), /POSIX +ADVISORY +WRITE/, "the host holds an fcntl lock");

  const emerge = inContainer(world, `emerge ${SHARED}`);
  let waiting: string[] = [];
  for (let tries = 0; tries < 600 && waiting.length === 0; tries += 1) {
    waiting = (await locksOn(lockfile)).filter((line) => line.includes("->"));
    if (waiting.length === 0) await sleep(100);
  }
  assert.notEqual(waiting.length, 0, "the double never queued for the fcntl lock on .Packages.portage_lockfile");
  assert.ok((await stat(path.join(world.pkgdir, SHARED, "flags-1.0-1.gpkg.tar"))).size > 0, "the binpkg was written before the lock");
  assert.deepEqual((await readdir(world.pkgdir)).filter((name) => name.startsWith("Packages")), [], "no index while the host holds the lock");

  holder.stdin.end();
  assert.deepEqual(await once(holder, "exit"), [0, null]);
  const result = await emerge;
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.deepEqual([...(await indexEntries(world.pkgdir)).keys()], [`${SHARED}/flags-1.0-1.gpkg.tar`]);
});
