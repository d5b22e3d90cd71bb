// The stage lock for commands that change or enter the stage, with the CLI's messages and exit codes.
import { acquireStageLock, StageLockedError, StageLockError, type StageLock } from "../container/stage-lock.js";
import { stageLockFile } from "../plan/plan-run.js";
import type { CommandContext } from "./command-context.js";
import { CliError, ExitCode } from "./exit-codes.js";

export async function withStageLock<T>(context: CommandContext, stage: string, work: () => Promise<T>): Promise<T> {
  const lock: StageLock = await acquireStageLock(stageLockFile(stage), { pid: process.pid, now: context.now() }).catch((error: unknown) => {
    if (error instanceof StageLockedError) throw new CliError(error.message, ExitCode.locked, { cause: error });
    // Its message already names the lock file and the fix.
    if (error instanceof StageLockError) throw new CliError(error.message, ExitCode.host, { cause: error });
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(`cannot lock the stage ${stage}: ${reason}; check that its directory exists and is writable`, ExitCode.host, { cause: error });
  });
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
