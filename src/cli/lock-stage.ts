// The stage lock for commands that change or enter the stage, with the CLI's messages and exit codes.
import { access } from "node:fs/promises";
import { dirname } from "node:path";
import { acquireStageLock, StageLockedError, StageLockError, type StageLock } from "../container/stage-lock.js";
import { stageLockFile } from "../plan/plan-run.js";
import type { CommandContext } from "./command-context.js";
import { CliError, ExitCode } from "./exit-codes.js";

export async function withStageLock<T>(context: CommandContext, stage: string, work: () => Promise<T>): Promise<T> {
  const lock: StageLock = await acquireStageLock(stageLockFile(stage), { pid: process.pid, now: context.now() }).catch(async (error: unknown) => {
    // The lock lives beside the stage: without that directory there is no stage to lock.
    if (!(await access(dirname(stage)).then(() => true, () => false))) {
      throw new CliError(`the stage ${stage} does not exist (${dirname(stage)} is missing): binpkgbot stage init --from STAGE3.tar.xz makes it`, ExitCode.host, { cause: error });
    }
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
