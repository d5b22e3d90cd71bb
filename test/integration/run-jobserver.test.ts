// build_jobs with real containers: several containers share one job pool (src/jobserver/), the emerge
// test double taking a token per build job and its make one per extra job (stage-double/lib/make.sh),
// so the compile processes of all of them together never exceed the pool; a container killed while
// holding tokens gives them back.
import assert from "node:assert/strict";
import { access, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { waitFor } from "./harness/nspawn-process.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, runCli, startCli } from "./support/world.js";
import { planPoolRun, sampleCompileProcesses, waitForCompileProcesses } from "./support/pool-run.js";

const suite = await integrationSuite();
const { skip } = suite;

const parallelTasks = (names: string[], units = ""): string => names.map((name) =>
  units === "" ? `  - install: {atom: app-misc/parallel, name: ${name}}\n` : `  - run: {name: ${name}, persist: false, script: '${units} emerge app-misc/parallel'}\n`).join("");

test("build_jobs: 2 with 4 containers that each want -j4: never more than 2 compile processes at once, and all build", { skip, timeout: 600_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const names = ["p1", "p2", "p3", "p4"];
  const run = await planPoolRun(world, 2, parallelTasks(names));
  const sampler = sampleCompileProcesses();
  const outcomes = await Promise.all(names.map((name) => run.runStep(name)));
  const { max, samples } = await sampler.stop();
  for (const outcome of outcomes) assert.equal(outcome.result, "succeeded", `${outcome.step.task.id}: ${outcome.reason ?? ""}`);
  assert.ok(samples > 50, `sampled ${samples} times`);
  assert.ok(max <= 2, `at most 2 compile processes at once, saw ${max}`);
  assert.equal(max, 2, "the pool's 2 jobs were used at once");
  assert.equal(run.jobserver.freeTokens, 2, "every token is back in the pool");
  assert.deepEqual((await readdir(world.stateDir, { recursive: true })).filter((entry) => entry.endsWith("jobserver")), [], "no FIFO is left");
});

test("binpkgbot run with jobs: 4 and build_jobs: 2: four containers side by side never run more than 2 compile processes at once", { skip, timeout: 600_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  await planPoolRun(world, 2, parallelTasks(["p1", "p2", "p3", "p4"]));
  await writeFile(world.config, `${await readFile(world.config, "utf8")}jobs: 4\n`);
  const sampler = sampleCompileProcesses();
  const run = await runCli(["run", "-c", world.config]);
  const { max } = await sampler.stop();
  assert.equal(run.code, 0, run.stderr);
  assert.ok(max <= 2, `at most 2 compile processes at once, saw ${max}`);
  assert.equal(max, 2, "the pool's 2 jobs were used at once");
});

test("a container killed while its builds hold every token does not shrink the pool: the next containers get all of it", { skip, timeout: 600_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const run = await planPoolRun(world, 2, parallelTasks(["hog"], "EMERGE_DOUBLE_UNIT_SECONDS=600") + parallelTasks(["next1", "next2"]));
  const kill = new AbortController();
  const hog = run.runStep("hog", kill.signal);
  // Its emerge holds one token (its make's implicit slot), its make the other.
  await waitForCompileProcesses(2, 120_000);
  kill.abort();
  assert.equal((await hog).result, "interrupted");
  assert.equal(run.jobserver.freeTokens, 2, "the killed container's tokens are back");

  const sampler = sampleCompileProcesses();
  // Were its tokens lost, these emerges would wait for a token for ever: give up after two minutes.
  const timeout = AbortSignal.timeout(120_000);
  const outcomes = await Promise.all(["next1", "next2"].map((name) => run.runStep(name, timeout)));
  const { max } = await sampler.stop();
  for (const outcome of outcomes) assert.equal(outcome.result, "succeeded", `${outcome.step.task.id}: ${outcome.reason ?? ""}`);
  assert.equal(max, 2, "the whole pool of 2 was in use again");
});

test("binpkgbot run with build_jobs: the container sees its FIFO; after kill -9 of binpkgbot the next run removes it and builds on the pool", { skip, timeout: 300_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const marker = path.join(world.record, "fifo");
  await writeFile(world.config, configText(world, [
    "sync: false", "build_jobs: 2", "tasks:",
    "  - run: {persist: false, name: sleeper, script: 'test -p /run/binpkgbot/jobserver && touch /var/log/emerge-double/fifo; exec sleep 60'}", "",
  ].join("\n")));
  const run = startCli(["run", "-c", world.config]);
  await waitFor("the container to see its FIFO", () => access(marker).then(() => true, () => false), 60_000);
  const [fifo] = (await readdir(path.join(world.stateDir, "work"), { recursive: true })).filter((entry) => entry.endsWith("sleeper/jobserver"));
  assert.ok(fifo !== undefined && (await stat(path.join(world.stateDir, "work", fifo))).isFIFO(), "the FIFO is in the step's work directory");
  run.child.kill("SIGKILL");
  await run.done;

  await writeFile(world.config, configText(world, "sync: false\nbuild_jobs: 2\ntasks:\n  - install: app-misc/parallel\n"));
  const next = await runCli(["run", "-c", world.config]);
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual((await readdir(path.join(world.stateDir, "work"), { recursive: true })).filter((entry) => entry.endsWith("jobserver")), [], "no FIFO is left, neither the killed run's nor this run's");
  const recorded = await Promise.all((await readdir(world.record)).filter((entry) => /^\d+$/.test(entry)).map((entry) => readFile(path.join(world.record, entry, "portage"), "utf8")));
  assert.equal(recorded.length, 1, "one emerge ran");
  assert.match(recorded[0] ?? "", /==> make\.conf\/zz-binpkgbot <==\n(?:#.*\n)*MAKEFLAGS="--jobserver-auth=fifo:\/run\/binpkgbot\/jobserver"\nFEATURES="\$\{FEATURES\} jobserver-token"/);
});
