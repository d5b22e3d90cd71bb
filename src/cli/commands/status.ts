import { parseArgs } from "node:util";
import { openExistingStateDatabase, type StateDatabase } from "../../state/database.js";
import type { RunRecord } from "../../state/runs.js";
import type { TaskStatus } from "../../state/reports.js";
import { StateDatabaseError } from "../../state/state-error.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { describeHold, readHold } from "../../stage/hold.js";
import { stageLayout } from "../../stage/layout-paths.js";

export const statusHelp = `usage: binpkgbot status [-c FILE] [--json]

Prints the last run and each task's last result, when it ran and when it last succeeded, from the
state database in the config's state_dir. Reads only: safe while a run is going on.
--json prints the same as a JSON document.`;

export async function statusCommand(context: CommandContext): Promise<number> {
  const { values } = parseArgs({ args: context.args, options: { json: { type: "boolean", default: false } }, strict: true });
  const { config } = loadConfigOrFail(context.configFile);
  const state = openStateForReading(config.stateDir);
  const lastRun = state?.lastRun() ?? null;
  const recorded = state?.taskStatus() ?? [];
  state?.close();
  const configured = new Set(config.tasks.map((task) => task.id));
  const tasks = recorded.map((task) => ({ ...task, inConfig: task.taskId === "sync" ? config.sync.kind !== "none" : configured.has(task.taskId) }));
  const neverRun = config.tasks.map((task) => task.id).filter((id) => !recorded.some((task) => task.taskId === id));
  const stageHold = await readHold(stageLayout(config.stage));
  if (values.json) {
    context.stdout(JSON.stringify({ lastRun, tasks, neverRun, stageHold }, null, 2));
    return ExitCode.ok;
  }
  if (stageHold !== null) context.stdout(`held: ${describeHold(stageHold)}`);
  if (lastRun === null) context.stdout(`no run recorded yet in ${config.stateDir}: start one with binpkgbot run`);
  else context.stdout(formatRun(lastRun));
  if (tasks.length > 0 || neverRun.length > 0) context.stdout("");
  for (const line of formatStatusTable(tasks, neverRun)) context.stdout(line);
  return ExitCode.ok;
}

/** Opens the state database for a reader; null if no run was ever recorded. */
export function openStateForReading(stateDir: string): StateDatabase | null {
  try {
    return openExistingStateDatabase(stateDir);
  } catch (error) {
    if (error instanceof StateDatabaseError) throw new CliError(error.message, ExitCode.host, { cause: error });
    throw error;
  }
}

function formatRun(run: RunRecord): string {
  const took = run.endedAt === null ? "" : `, took ${formatDuration(run.endedAt.getTime() - run.startedAt.getTime())}`;
  return `last run ${run.id} (${run.trigger}): ${run.result}, started ${formatTime(run.startedAt)}${took}, config ${run.configFile}`;
}

function formatStatusTable(tasks: readonly (TaskStatus & { inConfig: boolean })[], neverRun: readonly string[]): string[] {
  const rows = [
    ["TASK", "RESULT", "STARTED", "DURATION", "LAST SUCCESS"],
    ...tasks.map((task) => [
      task.inConfig ? task.taskId : `${task.taskId} (not in the config)`,
      task.result,
      formatTime(task.startedAt),
      task.durationMs === null ? "-" : formatDuration(task.durationMs),
      task.lastSucceededAt === null ? "never" : formatTime(task.lastSucceededAt),
    ]),
    ...neverRun.map((id) => [id, "never run", "-", "-", "never"]),
  ];
  return formatTable(rows);
}

/** Left-aligned columns, two spaces apart. */
export function formatTable(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join("  "));
}

/** UTC, to the second: 2026-11-26 03:15:00Z */
export function formatTime(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "Z");
}

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours}h${String(minutes).padStart(2, "0")}m` : `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
}
