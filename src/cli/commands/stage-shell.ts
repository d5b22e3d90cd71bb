// `binpkgbot stage shell`: a person's shell (or one command) in a container with the same binds and
// /etc/portage as a build: on a throw-away snapshot of the stage, on the snapshot a failed persisting task
// left, or on a throw-away snapshot of a kept failed container, which itself never changes.
import { TrustedKeyrings } from "../../engine/prepare-signing.js";
import { prepareStep, removeWorkDir } from "../../engine/prepare-step.js";
import { makeRunId, readPlanHostFacts } from "../../engine/perform-run.js";
import { planShell, type ShellTarget } from "../../plan/plan-run.js";
import { readKeptFailed } from "../../stage/kept-failed.js";
import { selectNewestOfTask } from "../../stage/kept-failed-select.js";
import { exists, stageLayout } from "../../stage/layout.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { withStageLock } from "../lock-stage.js";
import { parseCommandArgs } from "../parse-args.js";

export const stageShellHelp = `  shell [--failed [TASK]] [--command CMD]
                          an interactive shell in a throw-away container of the stage, with the same
                          binds and /etc/portage as a build; --failed TASK: in a throw-away copy of
                          the newest kept failed container of TASK (it stays as it is); --failed alone:
                          in the snapshot a failed persisting task left (kept until the next run);
                          --command CMD: run CMD with bash -c instead, without a terminal, and exit
                          with its status`;

export async function stageShellCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs("stage shell", {
    args: context.args, options: { failed: { type: "boolean", default: false }, command: { type: "string" } }, allowPositionals: true, strict: true,
  });
  const task = positionals[0];
  if (positionals.length > 1 || (task !== undefined && !values.failed)) {
    throw new CliError(`stage shell: unexpected argument '${positionals.at(-1) ?? ""}': name one task, after --failed (binpkgbot stage shell --failed TASK)`, ExitCode.usage);
  }
  const { config } = loadConfigOrFail(context.configFile);
  const facts = await readPlanHostFacts(context.exec, config.stage, context.env);
  const command = values.command === undefined ? undefined : ["/bin/bash", "-c", values.command];
  const terminal = process.stdin.isTTY === true && command === undefined;
  return withStageLock(context, config.stage, async () => {
    const target = await findShellTarget(config.stage, values.failed, task);
    const step = planShell({ config, host: facts.plan, runId: `shell-${makeRunId(context.now())}` }, { ...target, terminal, ...(command ? { command } : {}) });
    const keyrings = new TrustedKeyrings(context.exec);
    try {
      await prepareStep(step, context.exec, keyrings);
      const result = await context.exec.run(step.argv, { interactive: true, signal });
      return result.code ?? ExitCode.interrupted;
    } finally {
      await removeWorkDir(step);
      await keyrings.remove();
    }
  });
}

async function findShellTarget(stage: string, failed: boolean, task: string | undefined): Promise<Omit<ShellTarget, "terminal">> {
  const layout = stageLayout(stage);
  if (failed && task !== undefined) {
    const kept = selectNewestOfTask(await readKeptFailed(layout), task);
    if (kept === null) {
      throw new CliError(`there is no kept failed container of ${task} in ${layout.keptFailedDir}: one is kept when a throw-away task fails on a btrfs stage (keep_failed); binpkgbot stage list shows those kept`, ExitCode.host);
    }
    // --ephemeral over the read-only snapshot: the shell may change its copy, never the kept container.
    return { directory: kept.path, ephemeral: true, build: kept.meta };
  }
  if (!failed) return { directory: stage, ephemeral: true };
  if (!(await exists(layout.failed))) {
    throw new CliError(`there is no failed snapshot at ${layout.failed}: it is kept only until the next run after a persisting task fails`, ExitCode.host);
  }
  return { directory: layout.failed, ephemeral: false };
}
