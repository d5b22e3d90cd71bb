import { readFile } from "node:fs/promises";
import { renderFailureHeadline, renderFailureLines } from "../../failure/render-failure.js";
import type { AttemptRecord } from "../../state/attempts.js";
import type { TaskLog } from "../../state/reports.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { isConfiguredTask, taskNames } from "../task-names.js";
import { formatDuration, formatResult, formatTime, openStateForReading } from "./status.js";

export const logHelp = `usage: binpkgbot log TASK [-c FILE] [--run N] [--json]

Prints the build log of the task's latest run that did something (or of run N with --run), then
the elog messages (elog, ewarn, eerror, eqawarn) of the packages it merged, and last, for a failed
task, why it failed and what to do. binpkgbot history lists the runs. --json prints the task result
(its failure under "failure"), the log text and the messages as JSON.`;

export async function logCommand(context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs("log", {
    args: context.args,
    options: { json: { type: "boolean", default: false }, run: { type: "string" } },
    allowPositionals: true,
    strict: true,
  });
  const [taskId, ...extra] = positionals;
  if (taskId === undefined || extra.length > 0) throw new CliError("give one task: binpkgbot log TASK [--run N]; binpkgbot status lists the tasks", ExitCode.usage);
  const runId = parseRunId(values.run);
  const { config } = loadConfigOrFail(context.configFile);
  const state = openStateForReading(config.stateDir);
  const entry = state?.taskLog(taskId, runId) ?? null;
  state?.close();
  if (entry === null) {
    if (runId !== undefined) throw new CliError(`run ${runId} has no log of task '${taskId}': binpkgbot history --task ${taskId} lists its runs`, ExitCode.usage);
    if (!isConfiguredTask(config, taskId)) {
      throw new CliError(`log ${taskId}: no such task in ${config.file} or in the history; the tasks are: ${taskNames(config).join(", ")}`, ExitCode.usage);
    }
    // Nothing recorded yet is no error: the same as status and history before the first run.
    context.stdout(values.json ? "null" : `no log of task '${taskId}' recorded yet in ${config.stateDir}: binpkgbot run records one`);
    return ExitCode.ok;
  }
  const log = await readLog(entry.result.logPath);
  if (values.json) context.stdout(JSON.stringify({ ...entry, log: log.text }, null, 2));
  else for (const line of formatLog(entry, log)) context.stdout(line);
  return ExitCode.ok;
}

function parseRunId(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new CliError(`--run ${text}: give a run number, as binpkgbot history shows`, ExitCode.usage);
  return Number(text);
}

async function readLog(file: string | null): Promise<{ text: string | null; problem?: string }> {
  if (file === null) return { text: null, problem: "this task result has no log file" };
  try {
    return { text: await readFile(file, "utf8") };
  } catch (error) {
    return { text: null, problem: `cannot read the log ${file}: ${(error as Error).message}` };
  }
}

function formatAttempt(attempt: AttemptRecord, of: number): string {
  const failure = attempt.failureClass ? `${attempt.failureClass} failure` : attempt.exitCode === 0 ? "succeeded" : "failed";
  const duration = attempt.durationMs === null ? "" : `, ${formatDuration(attempt.durationMs)}`;
  return `attempt ${attempt.attempt} of ${of}, started ${formatTime(attempt.startedAt)}: ${failure}${attempt.summary ? `: ${attempt.summary}` : ""}${duration}`;
}

function formatLog(entry: TaskLog, log: { text: string | null; problem?: string }): string[] {
  const { result } = entry;
  const lines = [`task ${result.taskId}, run ${result.runId}: ${formatResult(result)}, started ${formatTime(result.startedAt)}${result.reason ? ` (${result.reason})` : ""}`];
  for (const attempt of entry.attempts) lines.push(formatAttempt(attempt, entry.attempts.length));
  lines.push(log.text === null ? `(${log.problem})` : `--- ${result.logPath}`);
  if (log.text !== null) lines.push(log.text.replace(/\n$/, ""));
  for (const message of entry.elog) {
    lines.push(`--- elog ${message.class.toUpperCase()} ${message.package} (${message.phase})`, message.text);
  }
  // Last, where a terminal leaves it in view after a long log.
  if (result.failure !== null) lines.push(`--- failure ${renderFailureHeadline(result.failure)}`, ...renderFailureLines(result.failure, { indent: "  " }));
  return lines;
}
