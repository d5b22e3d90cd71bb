// The exit codes binpkgbot returns; the README lists them. Stable: scripts and units depend on them.
export const ExitCode = {
  ok: 0,
  /** A task failed (the run went on with the others unless it persisted into the stage). */
  buildFailed: 1,
  /** Wrong command line. */
  usage: 2,
  /** binpkgbot.yml (or an include) is invalid: nothing was started or written. */
  config: 3,
  /** The host or a container cannot do what is needed (no systemd-nspawn, a missing stage, btrfs errors). */
  host: 4,
  /** Another run holds the stage's lock. */
  locked: 5,
  /** Stopped by SIGINT or SIGTERM; everything started was cleaned up. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The one way commands end with a message: main() prints it (one line, no stack) and exits with the code. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(message: string, readonly exitCode: ExitCodeValue, options?: { cause?: unknown }) {
    super(message, options);
  }
}
