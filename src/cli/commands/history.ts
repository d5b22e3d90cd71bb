import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { isConfiguredTask, taskNames } from "../task-names.js";
import { formatDuration, formatResult, formatTable, formatTime, openStateForReading } from "./status.js";

export const historyHelp = `usage: binpkgbot history [-c FILE] [--task TASK] [--limit N] [--json]

Prints task results of past runs, newest first: the run, when the task started, its result (a
failure with its class), how long it took and why it failed or was skipped. --task shows one task; --limit (default 20) how
many results. --json prints them as a JSON array.`;

const DEFAULT_LIMIT = 20;

export async function historyCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("history", {
    args: context.args,
    options: { json: { type: "boolean", default: false }, task: { type: "string" }, limit: { type: "string" } },
    strict: true,
  });
  const limit = parseLimit(values.limit);
  const { config } = loadConfigOrFail(context.configFile);
  const state = openStateForReading(config.stateDir);
  const entries = state?.history({ taskId: values.task, limit }) ?? [];
  state?.close();
  if (entries.length === 0 && values.task !== undefined && !isConfiguredTask(config, values.task)) {
    throw new CliError(`history --task ${values.task}: no such task in ${config.file} or in the history; the tasks are: ${taskNames(config).join(", ")}`, ExitCode.usage);
  }
  if (values.json) {
    context.stdout(JSON.stringify(entries, null, 2));
    return ExitCode.ok;
  }
  if (entries.length === 0) {
    const what = values.task === undefined ? "no task result" : `no result of task '${values.task}'`;
    context.stdout(`${what} recorded yet in ${config.stateDir}: binpkgbot run records one`);
    return ExitCode.ok;
  }
  const rows = [
    ["RUN", "STARTED", "TASK", "RESULT", "DURATION", "REASON"],
    ...entries.map((entry) => [
      `${entry.runId}`, formatTime(entry.startedAt), entry.taskId, `${formatResult(entry)}${entry.attempts > 1 ? ` (${entry.attempts} attempts)` : ""}`,
      entry.durationMs === null ? "-" : formatDuration(entry.durationMs), entry.reason ?? "",
    ]),
  ];
  for (const line of formatTable(rows)) context.stdout(line.trimEnd());
  return ExitCode.ok;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1) throw new CliError(`--limit ${text}: give a whole number of results, at least 1`, ExitCode.usage);
  return limit;
}
