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

/** A compact UTC timestamp that sorts by time and is safe in a path: 20261126T031500Z. */
export function makeRunId(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}
