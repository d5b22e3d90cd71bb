// Runs a config's steps side by side on one job pool (build_jobs), each through the engine's runPlan
// as a plan of its own, and counts the compile processes of the emerge test double while they run.
// Until the run itself starts containers concurrently (`jobs`), this is how tests and the benchmark
// put several containers on the pool at once.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../../../src/config/load.js";
import type { Config } from "../../../src/config/config.js";
import type { StepOutcome } from "../../../src/engine/events.js";
import { readPlanHostFacts } from "../../../src/engine/perform-run.js";
import { runPlan } from "../../../src/engine/run-plan.js";
import { nodeExec } from "../../../src/exec/exec.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { FifoJobserver } from "../../../src/jobserver/fifo-jobserver.js";
import { planRun } from "../../../src/plan/plan-run.js";
import type { Plan, PlannedStep } from "../../../src/plan/plan.js";
import { configText, type World } from "./world.js";

export interface PoolRun {
  config: Config;
  plan: Plan;
  jobserver: FifoJobserver;
  /** Runs one step of the plan (by task id) in a container on the pool; abort `signal` to kill it. */
  runStep(taskId: string, signal?: AbortSignal): Promise<StepOutcome>;
}

/** Writes the config (MAKEOPTS=-j4 for every build, as an admin's make.conf would) and plans it. */
export async function planPoolRun(world: World, buildJobs: number | null, tasks: string): Promise<PoolRun> {
  await writeFile(path.join(world.etcPortage, "make.conf"), 'FEATURES="binpkg-multi-instance"\nMAKEOPTS="-j4"\n');
  await writeFile(world.config, configText(world, `sync: false\n${buildJobs === null ? "" : `build_jobs: ${buildJobs}\n`}tasks:\n${tasks}`));
  const loaded = loadConfig(world.config, diskConfigFiles);
  assert.ok(loaded.ok, "the config is valid");
  const facts = await readPlanHostFacts(nodeExec, loaded.config.stage, process.env);
  const plan = planRun({ config: loaded.config, host: facts.plan, runId: `${Date.now()}-${process.pid}` });
  const jobserver = new FifoJobserver(buildJobs ?? 1, { exec: nodeExec });
  const stepOf = (taskId: string): PlannedStep => {
    const step = plan.steps.find((candidate) => candidate.task.id === taskId);
    assert.ok(step, `the plan has a step ${taskId}`);
    return step;
  };
  const runStep = async (taskId: string, signal = new AbortController().signal): Promise<StepOutcome> => {
    const outcome = await runPlan({ ...plan, steps: [stepOf(taskId)] }, {
      exec: nodeExec, emit: () => undefined, clock: () => Date.now(), signal, env: process.env, sleep: async () => undefined,
      ...(buildJobs === null ? {} : { jobserver }),
    }, { failFast: false });
    return outcome.steps[0] as StepOutcome;
  };
  return { config: loaded.config, plan, jobserver, runStep };
}

/** Samples, every few milliseconds, how many compile processes of the double (argv[0] cc1-double) run. */
export function sampleCompileProcesses(intervalMs = 10): { stop(): Promise<{ max: number; samples: number }> } {
  let max = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const count = countCompileProcesses();
      max = Math.max(max, count);
      samples += 1;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}

/**
 * Synchronous on purpose: a scan of /proc through the thread pool takes long enough to miss short peaks.
 * A unit's own child (bash forking its sleep) carries the unit's argv[0] until it execs: it is part of
 * that compile process, not another one.
 */
export function countCompileProcesses(): number {
  const units = new Map<string, string>();
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || readProc(pid, "cmdline").split("\0")[0] !== "cc1-double") continue;
    units.set(pid, /^PPid:\s*(\d+)$/m.exec(readProc(pid, "status"))?.[1] ?? "");
  }
  return [...units.values()].filter((parent) => !units.has(parent)).length;
}

function readProc(pid: string, file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "latin1");
  } catch {
    return ""; // gone meanwhile
  }
}

/** Waits until `count` compile processes run at once; throws after `timeoutMs`. */
export async function waitForCompileProcesses(count: number, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    if (countCompileProcesses() >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${count} compile processes did not run at once within ${timeoutMs} ms`);
}

