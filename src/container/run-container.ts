// Runs one container to completion.
import type { Exec, ExecResult, OutputHandler } from "../exec/exec.js";
import { renderNspawnArgv, type ContainerSpec } from "./nspawn-argv.js";
import { removeLeftoverSnapshots } from "./leftovers.js";
import type { CgroupFs } from "./memory-cgroup.js";
import { nodeMemoryLimitDeps, openContainerMemoryLimit } from "./memory-limit.js";

export interface RunContainerOptions {
  onStdout?: OutputHandler;
  onStderr?: OutputHandler;
  /** See ExecOptions.outputFd. */
  outputFd?: number;
  /**
   * Aborting sends SIGTERM to systemd-nspawn (through sudo, which relays it), which kills the
   * container and removes an ephemeral snapshot before exiting (seen on systemd 252: about
   * 5 ms, exit status 1). SIGKILL follows after `killGraceMs` if it has not exited.
   */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Keep the output in the result (default true). */
  capture?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Where memory cgroups are made (tests pass a directory tree in place of /sys/fs/cgroup and /proc/self). */
  cgroupFs?: CgroupFs;
}

/** The container's exit, and how many of its processes the OOM killer ended where binpkgbot made its memory cgroup. */
export type ContainerResult = ExecResult & { oomKills?: number };

/**
 * Resolves with the container's result whatever its exit status; the payload's status passes through.
 * `argv` is the planned command line where the plan made one (it may wrap nspawn, e.g. in setpriv).
 */
export async function runContainer(exec: Exec, spec: ContainerSpec & { argv?: readonly string[] }, options: RunContainerOptions = {}): Promise<ContainerResult> {
  const host = nodeMemoryLimitDeps();
  const limit = await openContainerMemoryLimit(spec, { ...host, fs: options.cgroupFs ?? host.fs });
  try {
    const result = await runNspawn(exec, spec, limit?.wrap ?? ((argv) => [...argv]), options);
    if (!limit) return result;
    // Unknown where the counter cannot be read: the failure is then classified from the output alone.
    const oomKills = await limit.readOomKills().catch(() => undefined);
    return oomKills === undefined ? result : { ...result, oomKills };
  } finally {
    await limit?.remove();
  }
}

async function runNspawn(exec: Exec, spec: ContainerSpec & { argv?: readonly string[] }, wrap: (argv: readonly string[]) => string[], options: RunContainerOptions): Promise<ExecResult> {
  const result = await exec.run(wrap(spec.argv ?? renderNspawnArgv(spec)), {
    env: options.env,
    onStdout: options.onStdout,
    onStderr: options.onStderr,
    outputFd: options.outputFd,
    signal: options.signal,
    killGraceMs: options.killGraceMs,
    capture: options.capture,
    interactive: spec.interactive,
  });
  // systemd 252 creates the ephemeral snapshot before it blocks SIGTERM, so a SIGTERM in the
  // first milliseconds kills nspawn outright (exit by signal, seen as 143) and can leave the
  // snapshot behind. Only snapshots no running nspawn or container uses are removed.
  if (spec.ephemeral && result.signal !== null) await removeLeftoverSnapshots(spec.directory, { exec });
  return result;
}

// On a host whose /run is not a tmpfs, nspawn prints this on every exit although it removed
// the snapshot (it refuses to rm -rf the propagation directory on a disk filesystem).
const PROPAGATE_NOISE = /^Attempted to remove disk file system under "\/run\/systemd\/nspawn\/propagate\/[^"]*", and we can't allow that\.$/;

/** nspawn's harmless propagation-directory warning (GENTOO.md): the snapshot is removed all the same. */
export function isNspawnNoise(line: string): boolean {
  return PROPAGATE_NOISE.test(line.replace(/\n$/, ""));
}

/** Drops that warning from captured stderr. */
export function withoutNspawnNoise(stderr: string): string {
  return stderr.split("\n").filter((line) => !isNspawnNoise(line)).join("\n");
}
