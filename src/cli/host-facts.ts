// Reads the host facts a plan depends on.
import { canRegisterMachine, probeHost, type HostFacts } from "../container/host.js";
import { readFilesystemType } from "../container/filesystem.js";
import type { Exec } from "../exec/exec.js";
import type { PlanHostFacts } from "../plan/plan.js";

export interface ReadHostFacts {
  plan: PlanHostFacts;
  host: HostFacts;
}

export async function readHostFacts(exec: Exec, stage: string, env: NodeJS.ProcessEnv): Promise<ReadHostFacts> {
  const host = await probeHost({ exec, path: env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" });
  const stageFilesystem = await readFilesystemType(stage).catch(() => null);
  return { host, plan: { systemdPid1: canRegisterMachine(host), stageFilesystem } };
}

/**
 * A run id that sorts by time, is safe in a path and is unique on the host: 20261126T031500Z-4242
 * (the process id tells a later run whether the one that left work files behind is still alive).
 */
export function makeRunId(now: Date, pid: number = process.pid): string {
  return `${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}-${pid}`;
}

/** The process id in a run id made by makeRunId, if any. */
export function runIdProcess(runId: string): number | null {
  const match = /-(\d+)$/.exec(runId);
  return match ? Number(match[1]) : null;
}
