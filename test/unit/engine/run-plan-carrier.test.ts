// runPlan with a step carrier (a fleet coordinator's queue): every step that runs goes to the carrier,
// in the step graph's order (barriers alone, the throw-away steps between them handed out together),
// and the run runs no command itself.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import type { EngineEvent, StepOutcome } from "../../../src/engine/events.js";
import { runPlan, type StepCarrier } from "../../../src/engine/run-plan.js";
import type { Exec } from "../../../src/exec/exec.js";
import { planRun } from "../../../src/plan/plan-run.js";
import type { Plan } from "../../../src/plan/plan.js";
import { memoryFiles } from "../../support/memory-files.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-run-plan-carrier-"));
after(() => rm(root, { recursive: true, force: true }));

async function planOf(tasks: [string, boolean][]): Promise<Plan> {
  const dir = path.join(root, `plan-${tasks.length}-${Math.random().toString(16).slice(2)}`);
  for (const sub of ["etc-portage", "stage", "repo", "pkgdir", "state"]) await mkdir(path.join(dir, sub), { recursive: true });
  const file = path.join(dir, "binpkgbot.yml");
  const lines = tasks.map(([name, persist]) => `  - run: {persist: ${persist}, name: ${name}, script: 'true'}`);
  const text = [`stage: ${dir}/stage`, `etc_portage: ${dir}/etc-portage`, `portage_repo: ${dir}/repo`, `pkgdir: ${dir}/pkgdir`, `state_dir: ${dir}/state`, "sync: false", "tasks:", ...lines, ""].join("\n");
  const loaded = loadConfig(file, memoryFiles({ [file]: text }));
  if (!loaded.ok) assert.fail(loaded.issues.map(formatIssue).join("\n"));
  return planRun({ config: loaded.config, host: { systemdPid1: false, stageFilesystem: "ext4" }, runId: "20261202T000000Z-1" });
}

const noExec: Exec = { run: async (argv) => assert.fail(`the run itself ran ${argv.join(" ")}`) };

/** A carrier whose steps end when the test says; records what it was handed and what ran at once. */
function fakeCarrier(results: Record<string, StepOutcome["result"]> = {}) {
  const handed: string[] = [];
  const running = new Set<string>();
  const together: string[][] = [];
  const carryOut: StepCarrier = async (plan, step, decision) => {
    assert.equal(plan.steps.some((planned) => planned.task.id === step.task.id), true, "the carrier gets the step's plan");
    assert.equal(decision.skip, null);
    handed.push(step.task.id);
    running.add(step.task.id);
    together.push([...running].sort());
    await new Promise((resolve) => setTimeout(resolve, 20));
    running.delete(step.task.id);
    return { step, result: results[step.task.id] ?? "succeeded", exitCode: 0, durationMs: 20, added: [] };
  };
  return { carryOut, handed, together };
}

function deps(carryOut: StepCarrier, events: EngineEvent[] = []) {
  return { exec: noExec, emit: (event: EngineEvent) => events.push(event), clock: Date.now, signal: new AbortController().signal, env: {}, sleep: async () => undefined, carryOut };
}

test("with a carrier, runPlan hands out the throw-away steps between two barriers together and each barrier alone", async () => {
  const plan = await planOf([["first", true], ["left", false], ["right", false], ["last", true]]);
  const carrier = fakeCarrier();
  const outcome = await runPlan(plan, deps(carrier.carryOut), { failFast: false, jobs: 100 });
  assert.deepEqual(outcome.steps.map((step) => [step.step.task.id, step.result]), [["first", "succeeded"], ["left", "succeeded"], ["right", "succeeded"], ["last", "succeeded"]]);
  assert.equal(carrier.handed[0], "first");
  assert.equal(carrier.handed[3], "last");
  assert.ok(carrier.together.some((ids) => ids.length === 2 && ids.includes("left") && ids.includes("right")), JSON.stringify(carrier.together));
  for (const ids of carrier.together) if (ids.includes("first") || ids.includes("last")) assert.equal(ids.length, 1, `a barrier ran beside ${ids.join(", ")}`);
});

test("with a carrier, a failed persisting step without a transaction stops the run as on one host", async () => {
  const plan = await planOf([["changes", true], ["after", false]]);
  const carrier = fakeCarrier({ changes: "failed" });
  const outcome = await runPlan(plan, deps(carrier.carryOut), { failFast: false, jobs: 100 });
  assert.deepEqual(carrier.handed, ["changes"]);
  assert.equal(outcome.steps[1]?.result, "not-run");
  assert.match(outcome.steps[1]?.reason ?? "", /changes failed while changing the stage/);
});
