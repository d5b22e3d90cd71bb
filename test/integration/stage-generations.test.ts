// Transactional stage changes on a real btrfs filesystem: generations, rollback, pruning, and a crash
// at every step of the swap (BINPKGBOT_TEST_CRASH_POINT kills binpkgbot with SIGKILL there).
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { exists, readCurrent, readGenerations, stageLayout } from "../../src/stage/layout.js";
import { CRASH_POINTS, type CrashPoint } from "../../src/stage/transaction.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, readRecords, runCli, type World } from "./support/world.js";
import { nodeExec } from "../../src/exec/exec.js";

const suite = await integrationSuite();
const { skip } = suite;
const fixture = { get dir(): string { return suite.fixture().dir; } };

const cli = (world: World, env: NodeJS.ProcessEnv = {}) => nodeExec.run([process.execPath, path.resolve("build/src/cli/main.js"), "run", "-c", world.config], { env: { ...process.env, ...env } });

async function persistConfig(world: World, atom: string, extra = ""): Promise<void> {
  await writeFile(world.config, configText(world, `sync: false\n${extra}tasks:\n  - install: {atom: ${atom}, persist: true}\n`));
}

/** What the double installed into the stage: it appends each persisted atom to this file. */
async function installed(world: World): Promise<string> {
  return readFile(path.join(world.stage, "var/lib/emerge-double/installed"), "utf8").catch(() => "");
}

test("every successful persisting run makes a generation; old ones beyond stage_generations are deleted; rollback goes back", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const layout = stageLayout(world.stage);
  for (const atom of ["app-misc/one", "app-misc/two", "app-misc/three"]) {
    await persistConfig(world, atom, "stage_generations: 2\n");
    const result = await runCli(["run", "-c", world.config]);
    assert.equal(result.code, 0, result.stderr);
  }
  // gen-1 is the adopted original stage, gen-2..4 the three runs; keep 2.
  assert.deepEqual((await readGenerations(layout)).map((generation) => generation.name), ["gen-3", "gen-4"]);
  assert.deepEqual(await readCurrent(layout), { kind: "generation", name: "gen-4", path: path.join(layout.generationsDir, "gen-4") });
  assert.equal(await installed(world), "app-misc/one-1.0\napp-misc/two-1.0\napp-misc/three-1.0\n");
  const list = await runCli(["stage", "list", "-c", world.config]);
  // Times as status and history print them: UTC to the second.
  assert.match(list.stdout, /^ {2}gen-3 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}install-app-misc-two \(run [\w-]+\)$/m);
  assert.match(list.stdout, /^\* gen-4 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ {2}install-app-misc-three/m);

  const back = await runCli(["stage", "rollback", "-c", world.config]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /the stage is now gen-3 \(was gen-4\); undo with: binpkgbot stage rollback gen-4/);
  assert.equal(await installed(world), "app-misc/one-1.0\napp-misc/two-1.0\n");
  const oldest = await runCli(["stage", "rollback", "-c", world.config]);
  assert.equal(oldest.code, 4);
  assert.match(oldest.stderr, /gen-3 is the oldest generation kept/);
  assert.equal((await runCli(["stage", "rollback", "gen-4", "-c", world.config])).code, 0);
  assert.equal(await installed(world), "app-misc/one-1.0\napp-misc/two-1.0\napp-misc/three-1.0\n");
});

test("after stage rollback, runs skip persisting tasks until stage resume; throw-away tasks still run; status and stage list show the hold", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const layout = stageLayout(world.stage);
  for (const atom of ["app-misc/one", "app-misc/two"]) {
    await persistConfig(world, atom);
    assert.equal((await runCli(["run", "-c", world.config])).code, 0);
  }
  assert.equal((await runCli(["stage", "rollback", "-c", world.config])).code, 0);
  assert.deepEqual(await readCurrent(layout), { kind: "generation", name: "gen-2", path: path.join(layout.generationsDir, "gen-2") });
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - upgrade: '@world'\n  - install: app-misc/thrown-away\n"));

  const held = await runCli(["run", "-c", world.config]);
  assert.equal(held.code, 0, held.stderr);
  assert.match(held.stderr, /the stage is held at gen-2 since \S+ \(binpkgbot stage rollback from gen-3\): persisting tasks are skipped until binpkgbot stage resume/);
  assert.match(held.stdout, /^upgrade-world\s+skipped\s+.*persisting tasks are skipped until binpkgbot stage resume/m);
  assert.match(held.stdout, /^install-app-misc-thrown-away\s+succeeded/m);
  assert.deepEqual((await readRecords(world)).slice(2).map((record) => record.argv.at(-1)), ["app-misc/thrown-away"], "only the throw-away task ran");
  assert.equal(await installed(world), "app-misc/one-1.0\n", "the stage stays at the rolled-back generation");
  assert.deepEqual((await readGenerations(layout)).map((generation) => generation.name), ["gen-1", "gen-2", "gen-3"]);

  const status = await runCli(["status", "-c", world.config]);
  assert.match(status.stdout, /^held: the stage is held at gen-2 .*binpkgbot stage resume$/m);
  const list = await runCli(["stage", "list", "-c", world.config]);
  assert.match(list.stdout, /^held: the stage is held at gen-2 /m);

  const resumed = await runCli(["stage", "resume", "-c", world.config]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /the stage is no longer held at gen-2: the next run runs persisting tasks again/);
  const upgraded = await runCli(["run", "-c", world.config]);
  assert.equal(upgraded.code, 0, upgraded.stderr);
  assert.match(upgraded.stdout, /^upgrade-world\s+succeeded/m);
  assert.deepEqual(await readCurrent(layout), { kind: "generation", name: "gen-4", path: path.join(layout.generationsDir, "gen-4") });
  assert.doesNotMatch((await runCli(["status", "-c", world.config])).stdout, /held/);
});

/** The stage path resolves to a whole stage: the old one (nothing installed) or the new one. */
async function assertCompleteStage(world: World, allowed: string[]): Promise<void> {
  assert.ok(await exists(path.join(world.stage, "usr/bin/emerge")), "the stage path holds a complete stage");
  assert.ok(allowed.includes(await installed(world)), `stage content is one of ${JSON.stringify(allowed)}`);
}

const expectedRecovery: Record<CrashPoint, RegExp> = {
  "snapshot-taken": /removed .*\/next, the snapshot of a persisting task that was interrupted; the stage was not changed/,
  "journal-written": /undid an interrupted stage swap: the stage stays at /,
  "next-renamed": /finished an interrupted stage swap: the stage is now gen-\d+ \(made by install-app-misc-crash\)/,
  "stage-adopted": /finished an interrupted stage swap: the stage is now gen-2/,
  "stage-linked": /finished an interrupted stage swap/,
  "journal-removed": /^$/,
};

for (const adopting of [true, false]) {
  for (const point of CRASH_POINTS) {
    if (point === "stage-adopted" && !adopting) continue;
    test(`kill -9 at '${point}' ${adopting ? "while adopting a plain stage" : "of a stage with generations"}: the next start finds one complete generation`, { skip }, async (t) => {
      const world = await createWorld(fixture.dir);
      t.after(await leakGuard(fixture.dir));
      const before = adopting ? "" : "app-misc/first-1.0\n";
      if (!adopting) {
        await persistConfig(world, "app-misc/first");
        assert.equal((await runCli(["run", "-c", world.config])).code, 0);
      }
      await persistConfig(world, "app-misc/crash");
      const crashed = await cli(world, { BINPKGBOT_TEST_CRASH_POINT: point });
      assert.equal(crashed.signal, "SIGKILL", `binpkgbot was killed at ${point}: ${crashed.stderr}`);
      // The adoption's rename is the one instant without a stage at the path; all others hold one.
      if (point !== "stage-adopted") await assertCompleteStage(world, [before, `${before}app-misc/crash-1.0\n`]);

      await writeFile(world.config, configText(world, "sync: false\ntasks: []\n"));
      const next = await runCli(["run", "-c", world.config]);
      assert.equal(next.code, 0, next.stderr);
      const recovery = next.stderr.split("\n").filter((line) => /stage swap|persisting task that was interrupted/.test(line)).join("\n");
      assert.match(recovery, expectedRecovery[point]);
      const finished = ["next-renamed", "stage-adopted", "stage-linked", "journal-removed"].includes(point);
      await assertCompleteStage(world, [finished ? `${before}app-misc/crash-1.0\n` : before]);
      const layout = stageLayout(world.stage);
      assert.ok(!(await exists(layout.next)) && !(await exists(layout.journal)), "no snapshot or journal left");
    });
  }
}

test("stage shell: a throw-away container of the stage with the build's /etc/portage and binds; --failed enters the kept snapshot", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const shell = (args: string[], input: string) => nodeExec.run([process.execPath, path.resolve("build/src/cli/main.js"), "stage", "shell", ...args, "-c", world.config], { input });
  // The failing persisting task leaves a file of its own: only the snapshot it ran in has it.
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - run: {persist: true, name: broken, script: 'echo left by the failed build > /left-by-failed-build; exit 1'}\n"));
  const none = await shell(["--failed"], "exit\n");
  assert.equal(none.code, 4);
  assert.match(none.stderr, /there is no failed snapshot at .*stage\.generations\/failed/);

  const inStage = await shell([], "cat /etc/portage/make.conf; ls /var/db/repos/gentoo; touch /left-by-shell; echo $PKGDIR\n");
  assert.equal(inStage.code, 0, inStage.stderr);
  assert.match(inStage.stdout, /FEATURES="binpkg-multi-instance"/);
  assert.match(inStage.stdout, /metadata-timestamp/);
  assert.match(inStage.stdout, /^\/var\/cache\/binpkgs$/m);
  assert.ok(!(await exists(path.join(world.stage, "left-by-shell"))), "the shell's container is thrown away");

  assert.equal((await runCli(["run", "-c", world.config])).code, 1);
  const failed = stageLayout(world.stage).failed;
  const inFailed = await shell(["--failed"], "cat /left-by-failed-build; cat /etc/portage/make.conf; ls /var/db/repos/gentoo; touch /left-in-failed\n");
  assert.equal(inFailed.code, 0, inFailed.stderr);
  assert.match(inFailed.stdout, /^left by the failed build$/m, "the shell sees what the failed task left");
  assert.match(inFailed.stdout, /FEATURES="binpkg-multi-instance"/);
  assert.match(inFailed.stdout, /metadata-timestamp/);
  assert.ok(await exists(path.join(failed, "left-in-failed")), "the --failed shell works in the snapshot itself, not a throw-away copy");
  assert.ok(!(await exists(path.join(world.stage, "left-by-failed-build"))) && !(await exists(path.join(world.stage, "left-in-failed"))), "the stage is untouched");
  const inStageAgain = await shell([], "cat /left-by-failed-build 2>/dev/null || echo not-in-stage\n");
  assert.match(inStageAgain.stdout, /^not-in-stage$/m);
});
