// Real systemd-nspawn on a real btrfs filesystem, running the emerge test double.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { nodeExec } from "../../src/exec/exec.js";
import { probeHost } from "../../src/container/host.js";
import { runContainer, withoutNspawnNoise } from "../../src/container/run-container.js";
import type { ContainerSpec } from "../../src/container/nspawn-argv.js";
import { createSnapshot, deleteSubvolume } from "../../src/container/btrfs.js";
import { findLeftoverSnapshots } from "../../src/container/leftovers.js";
import { acquireStageLock, StageLockedError } from "../../src/container/stage-lock.js";
import type { BtrfsFixture } from "./harness/btrfs-fixture.js";
import { integrationSuite } from "./harness/suite.js";
import { createTestStage } from "./harness/test-stage.js";
import { leakGuard } from "./harness/leak-guard.js";
import { findNspawnPid, waitFor } from "./harness/nspawn-process.js";

let fixture: BtrfsFixture;
let stage: string;
let register = false;
let counter = 0;

const { skip } = await integrationSuite(async (made) => {
  fixture = made;
  stage = await createTestStage(fixture.dir, "stage");
  register = (await probeHost({ exec: nodeExec, path: process.env.PATH ?? "" })).systemdPid1;
});

function spec(overrides: Partial<ContainerSpec>): ContainerSpec {
  counter += 1;
  return {
    directory: stage, ephemeral: true, machine: `binpkgbot-test-${process.pid}-${counter}`,
    binds: [], env: {}, command: ["/bin/true"], register, sudo: false, ...overrides,
  };
}

async function hostDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(fixture.dir, `${name}-`));
  return dir;
}

test("ephemeral: the double runs, records its input, and the stage stays unchanged", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  const record = await hostDir("record");
  const pkgdir = await hostDir("binpkgs");
  const result = await runContainer(nodeExec, spec({
    binds: [{ from: record, to: "/record", writable: true }, { from: pkgdir, to: "/var/cache/binpkgs", writable: true }],
    env: { EMERGE_DOUBLE_RECORD: "/record", USE: "foo", FEATURES: "buildpkg" },
    command: ["emerge", "--oneshot", "app-misc/hello"],
  }));
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, />>> Completed \(1 of 1\) app-misc\/hello-1\.0::gentoo/);
  assert.equal(await readFile(join(record, "1/argv"), "utf8"), "--oneshot\napp-misc/hello\n");
  assert.match(await readFile(join(record, "1/env"), "utf8"), /^USE=foo$/m);
  assert.match(await readFile(join(pkgdir, "Packages"), "utf8"), /^PATH: app-misc\/hello\/hello-1\.0-1\.gpkg\.tar$/m);
  await assert.rejects(readFile(join(stage, "var/lib/emerge-double/installed")), { code: "ENOENT" });
  assert.deepEqual(await findLeftoverSnapshots(stage), []);
  await rm(record, { recursive: true });
  await rm(pkgdir, { recursive: true });
});

test("non-ephemeral: changes persist in the directory", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  const copy = join(fixture.dir, "persistent");
  await createSnapshot(nodeExec, stage, copy);
  // Deleted in the test body: after-hooks run in registration order, and the guard comes first.
  try {
    const result = await runContainer(nodeExec, spec({ directory: copy, ephemeral: false, env: { FEATURES: "buildpkg" }, command: ["emerge", "app-misc/hello"] }));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await readFile(join(copy, "var/lib/emerge-double/installed"), "utf8"), "app-misc/hello-1.0\n");
    assert.match(await readFile(join(copy, "var/cache/binpkgs/Packages"), "utf8"), /^PACKAGES: 1$/m);
  } finally {
    await deleteSubvolume(nodeExec, copy);
  }
});

test("binds are read-only or writable as specified; exit status and stderr pass through", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  const ro = await hostDir("ro:colon");
  const rw = await hostDir("rw");
  await writeFile(join(ro, "given"), "from host\n");
  const binds = [{ from: ro, to: "/in", writable: false }, { from: rw, to: "/out", writable: true }];
  const copied = await runContainer(nodeExec, spec({ binds, command: ["/bin/cp", "/in/given", "/out/copied"] }));
  assert.equal(copied.code, 0, copied.stderr);
  assert.equal(await readFile(join(rw, "copied"), "utf8"), "from host\n");
  const refused = await runContainer(nodeExec, spec({ binds, command: ["/bin/touch", "/in/new"] }));
  assert.equal(refused.code, 1);
  assert.match(withoutNspawnNoise(refused.stderr), /Read-only file system/);
  assert.deepEqual(await readdir(ro), ["given"]);
  await rm(ro, { recursive: true });
  await rm(rw, { recursive: true });
});

test("an atom masked by the repository's package.mask fails with Portage's message and exit 1", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  const result = await runContainer(nodeExec, spec({ command: ["emerge", "app-misc/masked"] }));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /All ebuilds that could satisfy "app-misc\/masked" have been masked/);
});

test("abort mid-run stops the container and leaves no snapshot", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  const controller = new AbortController();
  const machine = `binpkgbot-abort-${process.pid}`;
  const started = Date.now();
  const running = runContainer(nodeExec, spec({ machine, env: { EMERGE_DOUBLE_SLEEP: "30" }, command: ["emerge", "app-misc/hello"] }), {
    signal: controller.signal,
  });
  await waitFor("the ephemeral snapshot", async () => (await findLeftoverSnapshots(stage)).length === 1);
  controller.abort();
  const result = await running;
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 10_000, `nspawn took ${elapsed} ms to stop; it should stop well before the SIGKILL grace period`);
  assert.notEqual(result.code, 0, `exit ${result.code}/${result.signal}: ${result.stderr}`);
  assert.equal(await findNspawnPid(machine), null);
  assert.deepEqual(await findLeftoverSnapshots(stage), []);
  await assert.rejects(readFile(join(stage, "var/lib/emerge-double/installed")), { code: "ENOENT" });
});

test("the stage lock refuses a second run while the first holds it", { skip, timeout: 60_000 }, async (t) => {
  const lockPath = join(fixture.dir, "stage.lock");
  const lock = await acquireStageLock(lockPath, { pid: process.pid, now: new Date() });
  t.after(() => lock.release());
  await assert.rejects(acquireStageLock(lockPath, { pid: process.pid + 1, now: new Date() }), StageLockedError);
});

test("startup time of an ephemeral container (reported, loosely bounded)", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  const times: number[] = [];
  for (let run = 0; run < 10; run += 1) {
    const start = process.hrtime.bigint();
    const result = await runContainer(nodeExec, spec({ command: ["/bin/true"] }));
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    assert.equal(result.code, 0, result.stderr);
  }
  times.sort((a, b) => a - b);
  const median = ((times[4] ?? 0) + (times[5] ?? 0)) / 2;
  t.diagnostic(`ephemeral /bin/true: median ${median.toFixed(1)} ms, min ${times[0]?.toFixed(1)} ms, max ${times[9]?.toFixed(1)} ms`);
  assert.ok(median < 5000, `median ${median} ms`);
});

test("abort during nspawn's own startup leaves no snapshot either", { skip, timeout: 60_000 }, async (t) => {
  t.after(await leakGuard(fixture.dir));
  // systemd 252 snapshots before it blocks SIGTERM; sweep the abort across that window.
  for (const delayMs of [0, 1, 2, 3, 5, 8, 12, 20, 30, 50]) {
    const controller = new AbortController();
    const running = runContainer(nodeExec, spec({ command: ["/bin/sleep", "30"] }), { signal: controller.signal });
    setTimeout(() => controller.abort(), delayMs);
    const result = await running;
    assert.notEqual(result.code, 0, `delay ${delayMs} ms`);
    assert.deepEqual(await findLeftoverSnapshots(stage), [], `delay ${delayMs} ms, exit ${result.code}/${result.signal}`);
  }
});
