// Failed throw-away containers kept for inspection (keep_failed, src/stage/kept-failed.ts), on real
// systemd-nspawn over a real btrfs filesystem: kept read-only with what the build left, entered without
// being changed, removed on success, beyond the count and by stage clean, and never left half-made.
import assert from "node:assert/strict";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { nodeExec, runChecked } from "../../src/exec/exec.js";
import { readKeptFailed } from "../../src/stage/kept-failed.js";
import { stageLayout } from "../../src/stage/layout.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { waitFor } from "./harness/nspawn-process.js";
import { findThrowAwaySnapshots } from "./harness/throw-away-snapshots.js";
import { configText, createWorld, runCli, startCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;
const fixture = { get dir(): string { return suite.fixture().dir; } };

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);
const BUILD_LOG = "var/tmp/portage/app-misc/leaves-1.0/temp/build.log";

/** An ebuild whose compile phase writes into Portage's build directory, as a real build does, and dies. */
async function addLeavingEbuild(world: World): Promise<void> {
  const dir = path.join(world.repo, "app-misc/leaves");
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "leaves-1.0.ebuild"), [
    "EAPI=8", 'DESCRIPTION="writes its build directory, then fails"', 'SLOT="0"', 'KEYWORDS="amd64"',
    "src_compile() {",
    `\tmkdir -p /${path.dirname(BUILD_LOG)} && echo "compile output of \${PF}" > /${BUILD_LOG}`,
    '\tdie "fails after writing its build directory"',
    "}", "",
  ].join("\n"));
}

const shell = (world: World, args: string[]) => runCli(["stage", "shell", ...args, "-c", world.config]);

test("a failed install task is kept read-only in STAGE.failed with what its build left; stage shell --failed TASK --command sees exactly that and cannot change it", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await addLeavingEbuild(world);
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: {atom: app-misc/leaves, use: [kept-flag]}\n"));
  const run = await runCli(["run", "-c", world.config]);
  assert.equal(run.code, 1, run.stderr);
  const [kept, ...more] = await readKeptFailed(stageLayout(world.stage));
  assert.ok(kept && more.length === 0, "one container kept");
  assert.equal(path.dirname(kept.path), `${world.stage}.failed`);
  const task = kept.meta.task;
  assert.match(task, /^install-app-misc-leaves-[0-9a-f]{6}$/, "a variant's task id");
  assert.equal(path.basename(kept.path), `${task}-${kept.meta.run}`);
  assert.match(kept.meta.run, /^\d{8}T\d{9}Z-\d+$/);
  assert.match(run.stdout, new RegExp(`the failed container is kept read-only at ${kept.path} \\(binpkgbot stage shell --failed ${task} -c ${world.config}\\)`));
  assert.equal(await readFile(path.join(kept.path, BUILD_LOG), "utf8"), "compile output of leaves-1.0\n");
  assert.ok(!(await exists(path.join(world.stage, BUILD_LOG))), "the stage itself is untouched");
  assert.equal((await runChecked(nodeExec, ["btrfs", "property", "get", "-ts", kept.path, "ro"])).stdout.trim(), "ro=true");
  await assert.rejects(writeFile(path.join(kept.path, "from-host"), "x"), /EROFS/);
  const list = await runCli(["stage", "list", "-c", world.config]);
  assert.match(list.stdout, new RegExp(`^ {2}failed {3}\\S+ \\S+ {2}${task} \\(run ${kept.meta.run}\\): ${kept.path} \\(binpkgbot stage shell --failed ${task}\\)$`, "m"));

  const inKept = await shell(world, ["--failed", task, "--command",
    `cat /${BUILD_LOG} /etc/portage/package.use/zz-binpkgbot; echo "PKGDIR=$PKGDIR"; rm /${BUILD_LOG} && touch /left-by-shell && echo changed-its-copy; exit 7`]);
  assert.equal(inKept.code, 7, `the command's exit status passes through: ${inKept.stderr}`);
  assert.match(inKept.stdout, /^compile output of leaves-1\.0$/m);
  assert.match(inKept.stdout, /^app-misc\/leaves kept-flag$/m, "the build's /etc/portage, with its task's package.use");
  assert.match(inKept.stdout, /^PKGDIR=\/var\/cache\/binpkgs$/m);
  assert.match(inKept.stdout, /^changed-its-copy$/m);
  assert.equal(await readFile(path.join(kept.path, BUILD_LOG), "utf8"), "compile output of leaves-1.0\n", "the kept container is unchanged");
  assert.ok(!(await exists(path.join(kept.path, "left-by-shell"))));
  assert.deepEqual(await findThrowAwaySnapshots(kept.path), [], "the shell's copy is gone");

  const inStage = await shell(world, ["--command", `test -e /${BUILD_LOG} && echo in-kept || echo in-stage`]);
  assert.equal(inStage.code, 0, inStage.stderr);
  assert.match(inStage.stdout, /^in-stage$/m, "--command without --failed runs in the stage");
  const unknown = await shell(world, ["--failed", "install-app-misc-other", "--command", "true"]);
  assert.equal(unknown.code, 4);
  assert.match(unknown.stderr, new RegExp(`there is no kept failed container of install-app-misc-other in ${world.stage}\\.failed`));
});

/** A throw-away task that fails (leaving /var/tmp/NAME-was-here) until the host file record/pass-NAME exists. */
const flaky = (name: string): string =>
  `  - run: {persist: false, name: ${name}, script: 'test -e /var/log/emerge-double/pass-${name} || { touch /var/tmp/${name}-was-here; exit 1; }'}\n`;

const keptOf = async (world: World): Promise<string[]> => (await readKeptFailed(stageLayout(world.stage))).map((kept) => `${kept.meta.task} ${kept.meta.run}`);

test("a task's next success removes its kept containers, and only its own", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, `sync: false\ntasks:\n${flaky("one")}${flaky("two")}`));
  assert.equal((await runCli(["run", "-c", world.config])).code, 1);
  const first = await readKeptFailed(stageLayout(world.stage));
  assert.deepEqual(first.map((kept) => kept.meta.task).sort(), ["one", "two"]);
  assert.ok(await exists(path.join(first.find((kept) => kept.meta.task === "one")?.path ?? "", "var/tmp/one-was-here")));
  await writeFile(path.join(world.record, "pass-one"), "");
  // --force: with inputs unchanged both failed tasks are quarantined (skipped) otherwise.
  const second = await runCli(["run", "--force", "-c", world.config]);
  assert.equal(second.code, 1, second.stderr);
  assert.match(second.stderr, new RegExp(`removed ${world.stage}\\.failed/one-\\S+: kept failed containers of one, which succeeded now`));
  assert.deepEqual((await keptOf(world)).map((entry) => entry.split(" ")[0]), ["two", "two"]);
});

test("beyond keep_failed the oldest kept containers go; stage clean removes all and says which", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, `sync: false\nkeep_failed: 2\ntasks:\n${flaky("one")}`));
  const runs: string[][] = [];
  for (let run = 0; run < 3; run += 1) {
    // --force: with inputs unchanged the failed task is quarantined (skipped) otherwise.
    assert.equal((await runCli(["run", "--force", "-c", world.config])).code, 1);
    runs.push(await keptOf(world));
  }
  assert.equal(runs[0]?.length, 1);
  assert.equal(runs[2]?.length, 2);
  assert.deepEqual(runs[2], [runs[2]?.[0], runs[1]?.[0]], "the newest first: the third run's and the second's");
  assert.ok(!runs[2]?.includes(runs[0]?.[0] ?? ""), "the first run's is removed");

  const paths = (await readKeptFailed(stageLayout(world.stage))).map((kept) => kept.path);
  const clean = await runCli(["stage", "clean", "-c", world.config]);
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(clean.stdout.trim().split("\n").sort(), paths.map((kept) => `removed ${kept}`).sort());
  assert.deepEqual(await keptOf(world), []);
  assert.match((await runCli(["stage", "clean", "-c", world.config])).stdout, /^no failed containers are kept: nothing to remove$/m);
});

test("SIGTERM during a throw-away task: its snapshot (binpkgbot's own, not nspawn's) is removed and nothing is kept", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - run: {persist: false, name: sleeper, script: 'touch /var/log/emerge-double/started; exec sleep 60'}\n"));
  const run = startCli(["run", "-c", world.config]);
  await waitFor("the task to start", () => exists(path.join(world.record, "started")));
  const running = await findThrowAwaySnapshots(world.stage);
  assert.equal(running.length, 1);
  assert.match(running[0] ?? "", new RegExp(`^${world.stage}\\.failed/\\.running-sleeper-`));
  run.child.kill("SIGTERM");
  const result = await run.done;
  assert.equal(result.code, 130, result.stderr);
  assert.deepEqual(await findThrowAwaySnapshots(world.stage), []);
  assert.deepEqual(await keptOf(world), []);
});
