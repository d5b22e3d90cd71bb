// runPlan with `jobs` over a fake exec that stands in for systemd-nspawn: how many containers run at
// once, outcomes in config order whatever the finish order, events naming their step, --fail-fast.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { PkgdirClaims } from "../../../src/engine/binpkg-index.js";
import type { EngineEvent } from "../../../src/engine/events.js";
import { runPlan } from "../../../src/engine/run-plan.js";
import type { Exec, ExecOptions, ExecResult } from "../../../src/exec/exec.js";
import type { Plan } from "../../../src/plan/plan.js";
import { parsePackagesIndex } from "../../../src/portage/packages-index.js";
import { planOnDisk } from "../../support/plan-on-disk.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-run-plan-jobs-"));
after(() => rm(root, { recursive: true, force: true }));

/** A plan of throw-away container `run` tasks by name (ext4: nspawn's --ephemeral). */
function planOf(names: string[]): Promise<Plan> {
  return planOnDisk(root, names.map((name) => `  - run: {persist: false, name: ${name}, script: 'true'}`), "ext4", "20261126T000000Z-1");
}

/** systemd-nspawn as a fake: container NAME (its task) prints a line, lasts `ms[NAME]` (default 30 ms) and exits `codes[NAME]` (default 0), or stops on abort. */
function fakeNspawn(names: string[], ms: Record<string, number> = {}, codes: Record<string, number> = {}) {
  let now = 0;
  let max = 0;
  const finished: string[] = [];
  const exec: Exec = {
    run: (argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> => {
      // The machine name ends in the step's index (src/plan/plan-run.ts); the test's names are its tasks.
      const index = Number(/-(\d+)$/.exec(argv.find((arg) => arg.startsWith("--machine=")) ?? "")?.[1]);
      const atom = names[index] ?? "?";
      now++;
      max = Math.max(max, now);
      void options.onStdout?.(Buffer.from(`>>> Emerging (1 of 1) ${atom}\n`));
      return new Promise((resolve) => {
        const end = (code: number | null, signal: NodeJS.Signals | null): void => {
          clearTimeout(timer);
          now--;
          finished.push(atom);
          resolve({ argv, code, signal, stdout: "", stderr: "" });
        };
        const timer = setTimeout(() => end(codes[atom] ?? 0, null), ms[atom] ?? 30);
        options.signal?.addEventListener("abort", () => end(null, "SIGTERM"), { once: true });
      });
    },
  };
  return { exec, max: () => max, finished };
}

function deps(exec: Exec, events: EngineEvent[], signal = new AbortController().signal) {
  return { exec, emit: (event: EngineEvent) => events.push(event), clock: Date.now, signal, env: {}, sleep: async () => undefined };
}

test("runPlan with jobs: 2 runs two containers at once, and returns the outcomes in config order", async () => {
  const names = ["slow", "quick", "third", "fourth"];
  const plan = await planOf(names);
  const nspawn = fakeNspawn(names, { slow: 200 });
  const events: EngineEvent[] = [];
  const outcome = await runPlan(plan, deps(nspawn.exec, events), { failFast: false, jobs: 2 });
  assert.equal(nspawn.max(), 2);
  assert.equal(nspawn.finished[0], "quick", "quick ended first");
  assert.deepEqual(outcome.steps.map((step) => [step.step.task.id, step.result]), plan.steps.map((step) => [step.task.id, "succeeded"]));
  for (const event of events) {
    if (event.kind === "output" || event.kind === "step-start") assert.ok(event.step.task.id, "an event names its step");
  }
  const logs = await Promise.all(plan.steps.map((step) => readFile(step.logFile, "utf8")));
  logs.forEach((log, index) => {
    assert.match(log, new RegExp(`>>> Emerging \\(1 of 1\\) ${names[index] ?? ""}\\n`), "each log has its own container's output");
    assert.equal(log.match(/>>> Emerging/g)?.length, 1, "and no other's");
  });
});

test("runPlan with jobs: 1 runs one container at a time", async () => {
  const names = ["a", "b", "c"];
  const plan = await planOf(names);
  const nspawn = fakeNspawn(names);
  await runPlan(plan, deps(nspawn.exec, []), { failFast: false });
  assert.equal(nspawn.max(), 1);
});

test("runPlan with --fail-fast and jobs: 2: the failed task's neighbour is interrupted naming it, the rest do not run", async () => {
  const names = ["long", "broken", "later"];
  const plan = await planOf(names);
  const nspawn = fakeNspawn(names, { long: 5000 }, { broken: 1 });
  const outcome = await runPlan(plan, deps(nspawn.exec, []), { failFast: true, jobs: 2 });
  const [long, broken, later] = outcome.steps;
  assert.equal(broken?.result, "failed");
  assert.equal(long?.result, "interrupted");
  assert.match(long?.reason ?? "", /^stopped: --fail-fast: broken failed$/);
  assert.deepEqual([long?.failure?.class, long?.failure?.summary], ["interrupted", "stopped: --fail-fast: broken failed"], "its failure says so too, not 'stopped by a signal'");
  assert.equal(later?.result, "not-run");
  assert.equal(outcome.interrupted, false, "a --fail-fast stop is not a signal");
});

test("runPlan with jobs: 3 and a signal: every running container is stopped, nothing more starts", async () => {
  const names = ["a", "b", "c", "d"];
  const plan = await planOf(names);
  const nspawn = fakeNspawn(names, { a: 5000, b: 5000, c: 5000 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  const outcome = await runPlan(plan, deps(nspawn.exec, [], controller.signal), { failFast: false, jobs: 3 });
  assert.deepEqual(outcome.steps.map((step) => step.result), ["interrupted", "interrupted", "interrupted", "not-run"]);
  assert.equal(outcome.interrupted, true);
  assert.equal(outcome.steps[0]?.reason, "stopped by a signal");
  assert.match(outcome.steps[0]?.failure?.summary ?? "", /^stopped by a signal/);
});

test("binpkgs a step's index diff shows are claimed once: a neighbour that ends later does not list them again", () => {
  const entry = (cpv: string, id: number): string => `BUILD_ID: ${id}\nCPV: ${cpv}\nPATH: ${cpv}-${id}.gpkg.tar\n`;
  const index = (...entries: string[]) => parsePackagesIndex(["VERSION: 0\n", ...entries].join("\n"));
  const claims = new PkgdirClaims();
  const empty = index();
  // a and b start on an empty PKGDIR; a's binpkg appears, a ends; then b's, and b ends.
  assert.deepEqual(claims.claim(empty, index(entry("app-misc/a-1", 1))).map((added) => added.cpv), ["app-misc/a-1"]);
  assert.deepEqual(claims.claim(empty, index(entry("app-misc/a-1", 1), entry("app-misc/b-1", 1))).map((added) => added.cpv), ["app-misc/b-1"]);
});
