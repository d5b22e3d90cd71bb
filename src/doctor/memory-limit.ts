// Whether memory_max works on this host, and how: the doctor's facts and finding.
import type { CgroupPlace } from "../container/cgroup-location.js";
import { checkMemoryLimit, nodeMemoryLimitDeps, readMemoryLimitMethod, type MemoryLimitMethod } from "../container/memory-limit.js";
import type { Finding } from "./finding.js";

export interface MemoryLimitFacts {
  /** memory_max in bytes, or null where the config sets none. */
  memoryMax: number | null;
  method: MemoryLimitMethod;
  /** Why a trial group could not be made (only tried where binpkgbot makes groups itself), or null. */
  problem: string | null;
}

/** Reads the method and, where binpkgbot makes groups itself, makes and removes one to be sure. */
export async function readMemoryLimitFacts(memoryMax: number | null, systemdPid1: boolean): Promise<MemoryLimitFacts> {
  const deps = nodeMemoryLimitDeps();
  const method = await readMemoryLimitMethod(systemdPid1, deps);
  return { memoryMax, method, problem: method.kind === "cgroup" ? await checkMemoryLimit(method, deps) : null };
}

export function checkMemoryLimitFacts(facts: MemoryLimitFacts, configFile: string): Finding[] {
  const subject = "memory_max";
  const limit = facts.memoryMax === null ? "memory_max is not set (no limit)" : `memory_max is ${facts.memoryMax} bytes per container`;
  const { method } = facts;
  if (method.kind === "unavailable" || facts.problem !== null) {
    const reason = method.kind === "unavailable" ? method.reason : (facts.problem ?? "");
    if (facts.memoryMax === null) return [{ level: "ok", subject, message: `${limit}; it could not be applied on this host: ${reason}` }];
    return [{ level: "problem", subject, message: `${limit}, but it cannot be applied on this host, so runs stop before their first container: ${reason}`,
      fix: `make memory limits work as said, or remove memory_max from ${configFile}` }];
  }
  return [{ level: "ok", subject, message: `${limit}; ${describeMethod(method)}` }];
}

function describeMethod(method: Exclude<MemoryLimitMethod, { kind: "unavailable" }>): string {
  if (method.kind === "systemd-property") return "systemd is PID 1, so nspawn sets MemoryMax= on each container's scope unit (--property=)";
  return describePlace(method.place);
}

function describePlace(place: CgroupPlace): string {
  return place.version === 2
    ? `systemd is not PID 1: binpkgbot makes a cgroup v2 group per container under ${place.parent} (memory.max) and removes it after the step`
    : `systemd is not PID 1: binpkgbot makes a cgroup v1 memory group per container under ${place.parent} (memory.limit_in_bytes) and removes it after the step`;
}
