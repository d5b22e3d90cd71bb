// Pure: a container description in, the systemd-nspawn argv out. No filesystem, no processes.

export interface BindMount {
  /** Absolute host path. */
  from: string;
  /** Absolute path inside the container. */
  to: string;
  writable: boolean;
}

export interface ContainerSpec {
  /** Root directory of the stage (a btrfs subvolume, so that --ephemeral snapshots instantly). */
  directory: string;
  /** Run in a throw-away snapshot of `directory` (systemd-nspawn(1) --ephemeral). */
  ephemeral: boolean;
  /** Unique per concurrent container; binpkgbot's names start with `binpkgbot-`. */
  machine: string;
  binds: BindMount[];
  env: Record<string, string>;
  command: string[];
  /** Register with systemd-machined; only possible where PID 1 is systemd. */
  register: boolean;
  sudo: boolean;
  /** Keep the terminal (a shell for a person); otherwise `--pipe`. */
  interactive?: boolean;
  workingDirectory?: string;
  /** memory_max in bytes; absent: no limit. Without `register` the runner puts the container in a cgroup of its own. */
  memoryMax?: number;
}

/** The spec cannot be turned into a safe argv; the message names the field and the fix. */
export class ContainerSpecError extends Error {
  override readonly name = "ContainerSpecError";
}

// systemd's hostname_is_valid(): the machine name becomes the container's host name.
const MACHINE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}|[A-Za-z0-9.-]{0,62}[A-Za-z0-9])$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function renderNspawnArgv(spec: ContainerSpec): string[] {
  checkSpec(spec);
  const argv: string[] = [];
  // Without a terminal sudo would wait for a password nobody can type.
  if (spec.sudo) argv.push(...(spec.interactive ? ["sudo"] : ["sudo", "--non-interactive"]));
  argv.push("systemd-nspawn", "--quiet", `--directory=${spec.directory}`);
  if (spec.ephemeral) argv.push("--ephemeral");
  argv.push(`--machine=${spec.machine}`);
  // Where PID 1 is not systemd there is no machined to register with and no unit to move into.
  if (!spec.register) argv.push("--register=no", "--keep-unit");
  // systemd-nspawn(1) --property=: "Set a unit property on the scope unit to register for the machine.
  // This applies only if the machine is run in its own scope unit" (so not with --keep-unit), "useful
  // to set memory limits and similar for container"; MemoryMax= per systemd.resource-control(5).
  else if (spec.memoryMax !== undefined) argv.push(`--property=MemoryMax=${spec.memoryMax}`);
  // --pipe (systemd >= 247): without it a non-terminal run gets a read-only console and hangs.
  if (!spec.interactive) argv.push("--pipe");
  for (const bind of spec.binds) {
    const option = bind.writable ? "--bind" : "--bind-ro";
    argv.push(`${option}=${escapeBindPath(bind.from, "from")}:${escapeBindPath(bind.to, "to")}`);
  }
  for (const [key, value] of Object.entries(spec.env)) argv.push(`--setenv=${key}=${value}`);
  if (spec.workingDirectory !== undefined) argv.push(`--chdir=${spec.workingDirectory}`);
  argv.push("--", ...spec.command);
  return argv;
}

function checkSpec(spec: ContainerSpec): void {
  requireAbsolute(spec.directory, "directory");
  if (!MACHINE_NAME.test(spec.machine)) {
    throw new ContainerSpecError(
      `machine name "${spec.machine}" is not a valid host name: use 1-64 letters, digits, "-" or "." (systemd-nspawn(1) --machine=)`,
    );
  }
  if (spec.command.length === 0) throw new ContainerSpecError("container command is empty: give the program to run");
  for (const [key, value] of Object.entries(spec.env)) {
    if (!ENV_KEY.test(key)) {
      throw new ContainerSpecError(`environment variable name "${key}" is invalid: use letters, digits and "_", not starting with a digit`);
    }
    if (value.includes("\0")) throw new ContainerSpecError(`environment variable ${key} contains a NUL byte: remove it`);
  }
  if (spec.workingDirectory !== undefined) requireAbsolute(spec.workingDirectory, "workingDirectory");
}

function requireAbsolute(path: string, field: string): void {
  if (!path.startsWith("/")) throw new ContainerSpecError(`${field} "${path}" must be an absolute path`);
  if (path.includes("\0") || path.includes("\n")) {
    throw new ContainerSpecError(`${field} "${JSON.stringify(path)}" contains a NUL or newline: rename the path`);
  }
}

// systemd-nspawn(1), --bind=: "Backslash escapes are interpreted, so "\:" may be used to embed
// colons in either path." The backslash itself must therefore be escaped too.
function escapeBindPath(path: string, field: "from" | "to"): string {
  requireAbsolute(path, `bind ${field}`);
  return path.replaceAll("\\", "\\\\").replaceAll(":", "\\:");
}
