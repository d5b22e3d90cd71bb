// Host facts that decide how containers are started. Effects come in through `deps`.
import { access, constants, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Exec } from "../exec/exec.js";

export interface HostFacts {
  /** PID 1 is systemd, so nspawn can register with machined (otherwise --register=no --keep-unit). */
  systemdPid1: boolean;
  nspawnVersion: number | null;
  nspawnPath: string | null;
}

export interface HostProbeDeps {
  exec: Exec;
  /** PATH to search for systemd-nspawn. */
  path: string;
  readFile?: (path: string) => Promise<string>;
  isExecutable?: (path: string) => Promise<boolean>;
}

export async function probeHost(deps: HostProbeDeps): Promise<HostFacts> {
  const read = deps.readFile ?? ((path: string) => readFile(path, "utf8"));
  // A binary as latin1, a byte per character: decoding its 300 KB or more as UTF-8 costs milliseconds of every run.
  const readBinary = deps.readFile ?? ((path: string) => readFile(path, "latin1"));
  const isExecutable = deps.isExecutable ?? defaultIsExecutable;
  const nspawnPath = await findInPath("systemd-nspawn", deps.path, isExecutable);
  return {
    systemdPid1: await readSystemdPid1(read, isExecutable),
    nspawnPath,
    nspawnVersion: nspawnPath === null ? null : await readNspawnVersion(deps.exec, nspawnPath, readBinary),
  };
}

/** Whether nspawn may register with machined; where it may not it also needs --keep-unit. */
export function canRegisterMachine(facts: HostFacts): boolean {
  return facts.systemdPid1;
}

// sd_booted(3): the system runs systemd if /run/systemd/system/ exists. Containers and
// chroots can carry that directory from an image, so PID 1's name is checked as well.
async function readSystemdPid1(
  read: (path: string) => Promise<string>,
  exists: (path: string) => Promise<boolean>,
): Promise<boolean> {
  if (!(await exists("/run/systemd/system"))) return false;
  const comm = await read("/proc/1/comm").catch(() => "");
  return comm.trim() === "systemd";
}

async function findInPath(
  name: string,
  searchPath: string,
  isExecutable: (path: string) => Promise<boolean>,
): Promise<string | null> {
  for (const dir of searchPath.split(":").filter((entry) => entry.startsWith("/"))) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

/** "systemd 252 (252.39-1~deb12u2)" → 252. */
export function parseNspawnVersion(output: string): number | null {
  const match = /^systemd (\d+)/m.exec(output);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/**
 * nspawn links systemd's private library, named after the version it belongs to: libsystemd-shared-252.so
 * (meson.build: shared_lib_tag, which distributions may extend, as in libsystemd-shared-255.4-1.fc40.so).
 */
export function parseSharedLibraryVersion(binary: string): number | null {
  const match = /libsystemd-shared-(\d+)[\w.~+-]*\.so/.exec(binary);
  return match?.[1] === undefined ? null : Number(match[1]);
}

// Reading the binary's name of that library costs a file read where `--version` costs a process (a
// noticeable part of a short run's fixed cost); a build without the shared library falls back to it.
async function readNspawnVersion(exec: Exec, nspawnPath: string, read: (path: string) => Promise<string>): Promise<number | null> {
  const linked = parseSharedLibraryVersion(await read(nspawnPath).catch(() => ""));
  if (linked !== null) return linked;
  try {
    const result = await exec.run([nspawnPath, "--version"]);
    return result.code === 0 ? parseNspawnVersion(result.stdout) : null;
  } catch {
    return null;
  }
}

async function defaultIsExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
