import type { Config } from "../../config/config.js";
import { withStageLock } from "../lock-stage.js";
import { exists, readCurrent, readGenerations, stageLayout } from "../../stage/layout.js";
import { describeHold, readHold, removeHold, RESUME_COMMAND } from "../../stage/hold.js";
import { rollbackStage } from "../../stage/rollback.js";
import { removeFailedSnapshot, StageError } from "../../stage/transaction.js";
import { readKeptFailed, removeAllKept } from "../../stage/kept-failed.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { readFilesystemType } from "../../container/filesystem.js";
import { formatTime, openStateForReading } from "./status.js";
import { loadConfigOrFail } from "../load-config.js";
import { stageInitCommand, stageInitHelp } from "./stage-init.js";
import { stageShellCommand, stageShellHelp } from "./stage-shell.js";

export const stageHelp = `usage: binpkgbot stage COMMAND [-c FILE]

The stage's generations: every successful persisting task (an upgrade) makes a new one.
  list                    generations, with the time and the task that made each, and the kept
                          failed containers
  rollback [GENERATION]   point the stage back at GENERATION (default: the one before the current) and
                          hold it there: runs skip persisting tasks until 'stage resume'
  resume                  end the hold of a rollback: persisting tasks run again from the next run
${stageShellHelp}
  clean                   remove every kept failed container (keep_failed) and failed snapshot
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
      return stageShellCommand(subContext, signal);
    case "clean":
      return clean(subContext);
    case "init":
      return stageInitCommand(subContext, signal);
    default:
      throw new CliError(sub === undefined ? "binpkgbot stage needs a command: list, rollback, resume, shell, clean or init" : `unknown stage command '${sub}': use list, rollback, resume, shell, clean or init`, ExitCode.usage);
  }
}

async function listGenerations(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("stage list", { args: context.args, options: { json: { type: "boolean", default: false } }, strict: true });
  const { config } = loadConfigOrFail(context.configFile);
  const layout = stageLayout(config.stage);
  const current = await readCurrent(layout);
  const generations = await readGenerations(layout);
  const failed = (await exists(layout.failed)) ? layout.failed : null;
  const hold = await readHold(layout);
  const kept = await readKeptFailed(layout);
  const plain = current.kind === "plain" ? await describePlainStage(config) : null;
  if (values.json) {
    context.stdout(JSON.stringify({ stage: config.stage, current, generations, failed, hold, keptFailed: kept.map(({ path, meta }) => ({ path, task: meta.task, run: meta.run, created: meta.created })), ...(plain ? { plain } : {}) }, null, 2));
    return ExitCode.ok;
  }
  if (plain !== null) context.stdout(`${config.stage}: ${plain}`);
  if (hold !== null) context.stdout(`held: ${describeHold(hold)}`);
  if (current.kind === "missing") context.stdout(`${config.stage} does not exist yet: binpkgbot stage init --from STAGE3.tar.xz makes it`);
  for (const generation of generations) {
    const mark = current.kind === "generation" && current.name === generation.name ? "*" : " ";
    const meta = generation.meta;
    context.stdout(`${mark} ${generation.name.padEnd(8)} ${meta?.created ? formatTime(new Date(meta.created)) : "?"}  ${meta?.task ?? "?"}${meta?.run ? ` (run ${meta.run})` : ""}`);
  }
  if (failed) context.stdout(`  failed   ${failed} (kept until the next run: binpkgbot stage shell --failed)`);
  for (const { path, meta } of kept) {
    context.stdout(`  failed   ${formatTime(new Date(meta.created))}  ${meta.task} (run ${meta.run}): ${path} (binpkgbot stage shell --failed ${meta.task})`);
  }
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
  const changed = last?.lastSucceededAt ? `; last changed in place by ${last.taskId} (${formatTime(last.lastSucceededAt)})` : "; no persisting task has changed it yet";
  return `a plain directory on ${filesystem ?? "an unknown filesystem"}, not btrfs: persisting tasks change it in place, so it has no generations to roll back to${changed}`;
}

async function resume(context: CommandContext): Promise<number> {
  parseCommandArgs("stage resume", { args: context.args, strict: true });
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
  const { positionals } = parseCommandArgs("stage rollback", { args: context.args, allowPositionals: true, strict: true });
  const { config } = loadConfigOrFail(context.configFile);
  const result = await withStageLock(context, config.stage, () => rollbackStage(stageLayout(config.stage), context.now(), positionals[0])).catch((error: unknown) => {
    if (error instanceof StageError) throw new CliError(error.message, ExitCode.host, { cause: error });
    throw error;
  });
  context.stdout(`the stage is now ${result.to} (was ${result.from}); undo with: binpkgbot stage rollback ${result.from}`);
  context.stdout(`held: runs skip persisting tasks (upgrades) until: ${RESUME_COMMAND}`);
  return ExitCode.ok;
}

/** Every kept failed container and the failed persisting task's snapshot, under the lock: no run uses them. */
async function clean(context: CommandContext): Promise<number> {
  parseCommandArgs("stage clean", { args: context.args, strict: true });
  const { config } = loadConfigOrFail(context.configFile);
  const layout = stageLayout(config.stage);
  const removed = await withStageLock(context, config.stage, async () => [
    ...(await removeFailedSnapshot(layout, context) ? [layout.failed] : []),
    ...await removeAllKept(layout, context.exec),
  ]);
  context.stdout(removed.length === 0 ? "no failed containers are kept: nothing to remove" : removed.map((path) => `removed ${path}`).join("\n"));
  return ExitCode.ok;
}
