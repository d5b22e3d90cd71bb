import { parseArgs } from "node:util";
import type { Config } from "../../config/config.js";
import { TrustedKeyrings } from "../../engine/prepare-signing.js";
import { prepareStep, removeWorkDir } from "../../engine/prepare-step.js";
import { planShell } from "../../plan/plan-run.js";
import { withStageLock } from "../lock-stage.js";
import { exists, readCurrent, readGenerations, stageLayout } from "../../stage/layout.js";
import { describeHold, readHold, removeHold, RESUME_COMMAND } from "../../stage/hold.js";
import { rollbackStage } from "../../stage/rollback.js";
import { StageError } from "../../stage/transaction.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { makeRunId, readPlanHostFacts } from "../../engine/perform-run.js";
import { readFilesystemType } from "../../container/filesystem.js";
import { openStateForReading } from "./status.js";
import { loadConfigOrFail } from "../load-config.js";
import { stageInitCommand, stageInitHelp } from "./stage-init.js";

export const stageHelp = `usage: binpkgbot stage COMMAND [-c FILE]

The stage's generations: every successful persisting task (an upgrade) makes a new one.
  list                    generations, with the time and the task that made each
  rollback [GENERATION]   point the stage back at GENERATION (default: the one before the current) and
                          hold it there: runs skip persisting tasks until 'stage resume'
  resume                  end the hold of a rollback: persisting tasks run again from the next run
  shell [--failed]        an interactive shell in a throw-away container of the stage, with the same
                          binds and /etc/portage as a build; --failed: in the snapshot a failed
                          persisting task left (kept until the next run)
  init --from FILE        create the stage from a stage3/stage4 tarball

${stageInitHelp}`;

export async function stageCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const [sub, ...args] = context.args;
  const subContext = { ...context, args };
  switch (sub) {
    case "list":
      return listGenerations(subContext);
    case "rollback":
      return rollback(subContext);
    case "resume":
      return resume(subContext);
    case "shell":
      return shell(subContext, signal);
    case "init":
      return stageInitCommand(subContext, signal);
    default:
      throw new CliError(sub === undefined ? "binpkgbot stage needs a command: list, rollback, resume, shell or init" : `unknown stage command '${sub}': use list, rollback, resume, shell or init`, ExitCode.usage);
  }
}

async function listGenerations(context: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: context.args, options: { json: { type: "boolean", default: false } }, strict: true });
  const { config } = loadConfigOrFail(context.configFile);
  const layout = stageLayout(config.stage);
  const current = await readCurrent(layout);
  const generations = await readGenerations(layout);
  const failed = (await exists(layout.failed)) ? layout.failed : null;
  const hold = await readHold(layout);
  const plain = current.kind === "plain" ? await describePlainStage(config) : null;
  if (values.json) {
    context.stdout(JSON.stringify({ stage: config.stage, current, generations, failed, hold, ...(plain ? { plain } : {}) }, null, 2));
    return ExitCode.ok;
  }
  if (plain !== null) context.stdout(`${config.stage}: ${plain}`);
  if (hold !== null) context.stdout(`held: ${describeHold(hold)}`);
  if (current.kind === "missing") context.stdout(`${config.stage} does not exist: binpkgbot stage init --from STAGE3.tar.xz`);
  for (const generation of generations) {
    const mark = current.kind === "generation" && current.name === generation.name ? "*" : " ";
    const meta = generation.meta;
    context.stdout(`${mark} ${generation.name.padEnd(8)} ${meta?.created ?? "?"}  ${meta?.task ?? "?"}${meta?.run ? ` (run ${meta.run})` : ""}`);
  }
  if (failed) context.stdout(`  failed   ${failed} (kept until the next run: binpkgbot stage shell --failed)`);
  return ExitCode.ok;
}

/**
 * A plain stage directory: on btrfs the first persisting task moves it into gen-1, so it is as created;
 * elsewhere persisting tasks change it in place, and the state database knows the last that did.
 */
async function describePlainStage(config: Config): Promise<string> {
  const filesystem = await readFilesystemType(config.stage).catch(() => null);
  if (filesystem === "btrfs") return "the stage as created; no persisting task has changed it yet";
  const persisting = new Set(config.tasks.filter((task) => task.persist && !(task.kind === "run" && task.host)).map((task) => task.id));
  const state = openStateForReading(config.stateDir);
  const last = (state?.taskStatus() ?? []).filter((task) => persisting.has(task.taskId) && task.lastSucceededAt !== null)
    .sort((a, b) => (b.lastSucceededAt?.getTime() ?? 0) - (a.lastSucceededAt?.getTime() ?? 0))[0];
  state?.close();
  const changed = last?.lastSucceededAt ? `; last changed in place by ${last.taskId} (${last.lastSucceededAt.toISOString()})` : "; no persisting task has changed it yet";
  return `a plain directory on ${filesystem ?? "an unknown filesystem"}, not btrfs: persisting tasks change it in place, so it has no generations to roll back to${changed}`;
}

async function resume(context: CommandContext): Promise<number> {
  parseArgs({ args: context.args, strict: true });
  const { config } = loadConfigOrFail(context.configFile);
  const layout = stageLayout(config.stage);
  const hold = await readHold(layout);
  const removed = await withStageLock(context, config.stage, () => removeHold(layout));
  context.stdout(removed
    ? `the stage is no longer held${hold ? ` at ${hold.generation}` : ""}: the next run runs persisting tasks again`
    : `the stage is not held: nothing to resume`);
  return ExitCode.ok;
}

async function rollback(context: CommandContext): Promise<number> {
  const { positionals } = parseArgs({ args: context.args, allowPositionals: true, strict: true });
  const { config } = loadConfigOrFail(context.configFile);
  const result = await withStageLock(context, config.stage, () => rollbackStage(stageLayout(config.stage), context.now(), positionals[0])).catch((error: unknown) => {
    if (error instanceof StageError) throw new CliError(error.message, ExitCode.host, { cause: error });
    throw error;
  });
  context.stdout(`the stage is now ${result.to} (was ${result.from}); undo with: binpkgbot stage rollback ${result.from}`);
  context.stdout(`held: runs skip persisting tasks (upgrades) until: ${RESUME_COMMAND}`);
  return ExitCode.ok;
}

async function shell(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseArgs({ args: context.args, options: { failed: { type: "boolean", default: false } }, strict: true });
  const { config } = loadConfigOrFail(context.configFile);
  const layout = stageLayout(config.stage);
  if (values.failed && !(await exists(layout.failed))) {
    throw new CliError(`there is no failed snapshot at ${layout.failed}: it is kept only until the next run after a persisting task fails`, ExitCode.host);
  }
  const facts = await readPlanHostFacts(context.exec, config.stage, context.env);
  const terminal = process.stdin.isTTY === true;
  const target = values.failed ? { directory: layout.failed, ephemeral: false, terminal } : { directory: config.stage, ephemeral: true, terminal };
  const step = planShell({ config, host: facts.plan, runId: `shell-${makeRunId(context.now())}` }, target);
  return withStageLock(context, config.stage, async () => {
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
