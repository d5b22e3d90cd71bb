// A fleet of test worlds on one host: a Fleet value of world targets, binpkgbot worker processes, and
// the coordinator run in this process (the fleet file loader is the fleet module's).
import type { ChildProcess } from "node:child_process";
import { loadConfig } from "../../../src/config/load.js";
import type { EngineEvent } from "../../../src/engine/events.js";
import { nodeExec } from "../../../src/exec/exec.js";
import type { Fleet } from "../../../src/fleet/fleet.js";
import { runCoordinator, type CoordinatorOptions, type TargetRun } from "../../../src/fleet/queue/coordinator.js";
import { parseRedisUrl } from "../../../src/fleet/queue/redis-url.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { waitFor } from "../harness/nspawn-process.js";
import { startCli, type CliResult, type World } from "./world.js";

export const AMD64 = { arch: "amd64", profile: "default/linux/amd64/23.0" };

export function worldFleet(targets: { name: string; world: World; labels?: Record<string, string> }[]): Fleet {
  return { path: "/fleet.yml", targets: targets.map(({ name, world, labels }) => ({ name, configPath: world.config, labels: labels ?? AMD64 })) };
}

export interface WorkerProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Its stderr so far: the jobs it took and ended. */
  output(): string;
  /** SIGTERM, and its result. */
  stop(): Promise<CliResult>;
}

export function startWorker(url: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const started = startCli(["worker", "--redis", url, "--labels", "arch=amd64", "--lock-ms", "2000", ...args], env);
  let stderr = "";
  started.child.stderr?.on("data", (chunk: Buffer | string) => (stderr += String(chunk)));
  return {
    ...started,
    output: () => stderr,
    async stop() {
      if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill("SIGTERM");
      return started.done;
    },
  };
}

/** Waits until the worker says it listens on `target`'s queue. */
export async function listening(worker: WorkerProcess, target: string): Promise<void> {
  await waitFor(`a worker listening on ${target}`, async () => worker.output().includes(`listening on target ${target} `), 20_000);
}

export interface Coordinated {
  runs: TargetRun[];
  events: { target: string; event: EngineEvent }[];
}

export async function coordinate(fleet: Fleet, url: string, extra: Partial<CoordinatorOptions> = {}): Promise<Coordinated> {
  const parsed = parseRedisUrl(url);
  if ("problem" in parsed) throw new Error(parsed.problem);
  const events: Coordinated["events"] = [];
  const runs = await runCoordinator({
    fleet, redis: parsed.options, exec: nodeExec, env: process.env, now: () => new Date(), signal: new AbortController().signal,
    trigger: "manual", failFast: false, force: true, backoffMs: 200, pollMs: 200,
    loadConfig: (target) => {
      const loaded = loadConfig(target.configPath, diskConfigFiles);
      if (!loaded.ok) throw new Error(`${target.configPath}: invalid config`);
      return loaded.config;
    },
    emit: (target, event) => events.push({ target, event }),
    ...extra,
  });
  return { runs, events };
}

/** The run of `target`, or the error it ended with, thrown. */
export function runOf(coordinated: Coordinated, target: string) {
  const found = coordinated.runs.find((run) => run.target === target);
  if (!found) throw new Error(`no run of ${target}`);
  if ("error" in found) throw found.error;
  return found.run;
}
