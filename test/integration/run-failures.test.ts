// Failure classes from real runs: tasks that fail in real systemd-nspawn containers, with the emerge
// test double printing Portage's messages for real conditions of its test repository
// (test/integration/stage-double/repo), each step's StepOutcome.failure checked.
import assert from "node:assert/strict";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { performRun, type PerformedRun } from "../../src/engine/perform-run.js";
import type { StepOutcome } from "../../src/engine/events.js";
import { isTransient } from "../../src/failure/failure.js";
import { nodeExec } from "../../src/exec/exec.js";
import { diskConfigFiles } from "../../src/io/config-files.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, type World } from "./support/world.js";

const suite = await integrationSuite(async () => {
  await failingRun();
});
const { skip } = suite;

const TASKS = [
  "app-misc/testing", "app-misc/masked", "app-misc/broken", "app-misc/needs-gtk",
  "app-misc/unfetchable", "app-misc/needs-missing", "app-misc/either", "app-misc/rival-suite", "app-misc/diskfull",
  "app-misc/pinned-pair",
];

/** `binpkgbot run` in this process, so that the steps' outcomes can be inspected. */
async function runConfig(world: World, tasks: string, waits: number[] = []): Promise<PerformedRun> {
  await writeFile(world.config, configText(world, `sync: false\ntasks:\n${tasks}`));
  const loaded = loadConfig(world.config, diskConfigFiles);
  assert.ok(loaded.ok, "the config is valid");
  return performRun(loaded.config, {
    exec: nodeExec, env: process.env, now: () => new Date(), signal: new AbortController().signal, emit: () => undefined,
    trigger: "manual", failFast: false, force: true,
    // The waits between attempts are recorded, not slept: a test never waits for a backoff.
    sleep: async (ms) => { waits.push(ms); },
  });
}

let shared: Promise<{ run: PerformedRun; leaks: unknown }> | undefined;

/** One run of a task for each failing package; independent throw-away steps, so all of them run. */
function failingRun(): Promise<{ run: PerformedRun; leaks: unknown }> {
  shared ??= (async () => {
    const world = await createWorld(suite.fixture().dir);
    const checkLeaks = await leakGuard(suite.fixture().dir);
    const run = await runConfig(world, TASKS.map((atom) => `  - install: ${atom}\n`).join(""));
    return { run, leaks: await checkLeaks().then(() => null, (error: unknown) => error) };
  })();
  return shared;
}

async function outcomeOf(atom: string): Promise<StepOutcome> {
  const { run } = await failingRun();
  const outcome = run.outcome.steps.find((step) => step.step.task.title === `install ${atom}`);
  assert.ok(outcome, `a step installs ${atom}: ${run.outcome.steps.map((step) => step.step.task.title).join(", ")}`);
  assert.equal(outcome.result, "failed");
  assert.ok(outcome.failure, `${atom} failed with a failure class`);
  return outcome;
}

test("every failing task failed, and the run leaves nothing behind", { skip, timeout: 300_000 }, async () => {
  const { run, leaks } = await failingRun();
  assert.equal(leaks, null);
  assert.deepEqual(run.outcome.steps.map((step) => step.result), TASKS.map(() => "failed"));
});

test("masked by a ~amd64 keyword (depgraph.py show_masked_packages): accept_keywords is suggested, and the reason says so", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/testing");
  assert.equal(outcome.failure?.class, "masked");
  assert.deepEqual(outcome.failure?.fix, ["add accept_keywords: ['=app-misc/testing-1.0'] to the task (package.accept_keywords)"]);
  assert.match(outcome.reason ?? "", /^app-misc\/testing is masked \(app-misc\/testing-1\.0::gentoo: masked by ~amd64 keyword\); see \S+\.log; the failed container is kept read-only at \S+ \(binpkgbot stage shell --failed install-app-misc-testing -c \/\S+\.yml\)$/);
});

test("masked by package.mask (getmaskingstatus.py): unmask is suggested", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/masked");
  assert.equal(outcome.failure?.class, "masked");
  assert.deepEqual(outcome.failure?.fix, ["add unmask: ['=app-misc/masked-1.0'] to the task (package.unmask)"]);
});

test("a failed compile phase (isolated-functions.sh die): phase, last lines, and Portage's build log on the host", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/broken");
  const failure = outcome.failure;
  assert.equal(failure?.class, "build");
  assert.equal(failure?.phase, "src_compile");
  assert.deepEqual(failure?.packages, ["app-misc/broken-1.0"]);
  assert.ok(failure?.details.includes("broken.c:1:1: error: expected declaration before end of file"), failure?.details.join("\n"));
  assert.ok(outcome.step.kind === "container");
  const buildLog = failure?.buildLog ?? "";
  assert.equal(path.dirname(buildLog), outcome.step.portageLogDir);
  assert.match(path.basename(buildLog), /^app-misc:broken-1\.0:\d{8}-\d{6}\.log$/);
  assert.match(await readFile(buildLog, "utf8"), /this package fails to build on purpose/);
  assert.match(outcome.reason ?? "", /^app-misc\/broken-1\.0 failed in src_compile: this package fails to build on purpose; see /);
});

test("a USE dependency needing a change (depgraph.py _display_autounmask): the package.use line and the use: modifier", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/needs-gtk");
  assert.equal(outcome.failure?.class, "use-change-needed");
  assert.deepEqual(outcome.failure?.fix, ["add use: ['>=app-misc/flags-1.0 gtk'] to the task (package.use)"]);
  assert.ok(outcome.failure?.details.includes("# required by app-misc/needs-gtk (argument)"), outcome.failure?.details.join("\n"));
});

test("a download that fails (fetch.py): the file and the URL tried, and the class is transient", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/unfetchable");
  assert.equal(outcome.failure?.class, "fetch");
  assert.deepEqual(outcome.failure?.details, ["file: unfetchable-1.0.tar.gz", "tried: http://127.0.0.1:9/unfetchable-1.0.tar.gz"]);
  assert.deepEqual(outcome.failure?.packages, ["app-misc/unfetchable-1.0"]);
  assert.ok(outcome.failure && isTransient(outcome.failure));
});

test("a dependency nothing provides (depgraph.py _show_unsatisfied_dep): the atom and who requires it", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/needs-missing");
  assert.equal(outcome.failure?.class, "unsatisfied-dependency");
  assert.deepEqual(outcome.failure?.packages, ["dev-libs/missing", "app-misc/needs-missing-1.0", "app-misc/needs-missing"]);
});

test("REQUIRED_USE unsatisfied (depgraph.py show_req_use): the constraint", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/either");
  assert.equal(outcome.failure?.class, "required-use");
  assert.match(outcome.failure?.summary ?? "", /REQUIRED_USE needs exactly-one-of \( left right \)$/);
});

test("a blocker pair in one merge list (resolver/output.py _blockers): both packages", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/rival-suite");
  assert.equal(outcome.failure?.class, "blocker");
  assert.deepEqual(outcome.failure?.packages, ["app-misc/incumbent", "app-misc/rival-1.0"]);
});

test("two versions pulled into one slot (resolver/slot_collision.py): the slot and both versions", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/pinned-pair");
  assert.equal(outcome.failure?.class, "slot-conflict");
  assert.deepEqual(outcome.failure?.packages, ["dev-libs/pinned:0", "dev-libs/pinned-1.0", "dev-libs/pinned-2.0"]);
});

test("a write that finds no space (ENOSPC from /dev/full) is disk-full, not a build failure", { skip, timeout: 300_000 }, async () => {
  const outcome = await outcomeOf("app-misc/diskfull");
  assert.equal(outcome.failure?.class, "disk-full");
  assert.match(outcome.failure?.summary ?? "", /^no space left on device: .*write error: No space left on device$/);
});

test("a stage nspawn refuses to start (nspawn.c: no OS tree) is a host failure", { skip, timeout: 300_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  await rename(path.join(world.stage, "usr"), path.join(world.stage, "usr.away"));
  const run = await runConfig(world, "  - install: app-misc/plain\n");
  const failure = run.outcome.steps[0]?.failure;
  assert.equal(failure?.class, "host", JSON.stringify(run.outcome.steps[0]));
  assert.match(failure?.summary ?? "", /^the container could not start: .*doesn't look like it has an OS tree/);
});

test("the fixes suggested for the keyword mask and the USE change make those tasks pass", { skip, timeout: 300_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const run = await runConfig(world, [
    "  - install: {atom: app-misc/testing, accept_keywords: '=app-misc/testing-1.0'}",
    "  - install: {atom: app-misc/needs-gtk, use: '>=app-misc/flags-1.0 gtk'}",
    "",
  ].join("\n"));
  assert.deepEqual(run.outcome.steps.map((step) => [step.step.task.title, step.result, step.failure?.class]), [
    ["install app-misc/testing", "succeeded", undefined],
    ["install app-misc/needs-gtk", "succeeded", undefined],
  ]);
});

test("a fetch failure is retried within the run (retries, default 2) with backoff, each attempt in the task's log; a build failure is not", { skip, timeout: 300_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const waits: number[] = [];
  const run = await runConfig(world, "  - install: app-misc/unfetchable\n  - install: app-misc/broken\n", waits);
  const [fetch, build] = run.outcome.steps;
  assert.equal(fetch?.failure?.class, "fetch");
  assert.deepEqual(fetch?.attempts?.map((attempt) => [attempt.attempt, attempt.failureClass]), [[1, "fetch"], [2, "fetch"], [3, "fetch"]]);
  assert.deepEqual(waits, [30_000, 60_000]);
  const log = await readFile(fetch?.step.logFile ?? "", "utf8");
  assert.match(log, /^>>> binpkgbot: attempt 2 of 3 after fetch failure: .*; waiting 30s$/m);
  assert.match(log, /^>>> binpkgbot: attempt 3 of 3 after fetch failure: .*; waiting 1m$/m);
  assert.equal(log.match(/Couldn't download 'unfetchable-1\.0\.tar\.gz'/g)?.length, 3, "the double really ran three times");
  assert.equal(build?.failure?.class, "build");
  assert.equal(build?.attempts, undefined, "a deterministic failure runs once");
});
