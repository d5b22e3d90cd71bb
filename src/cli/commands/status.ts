import { openExistingStateDatabase, type StateDatabase } from "../../state/database.js";
import type { RunRecord } from "../../state/runs.js";
import type { TaskStatus } from "../../state/reports.js";
import type { ServerCoverageRecord } from "../../state/server-coverage.js";
import type { TaskResultRecord } from "../../state/tasks.js";
import { StateDatabaseError } from "../../state/state-error.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Config } from "../../config/config.js";
import { statusFleet } from "../fleet/fleet-status.js";
import { loadConfigOrFleetOrFail } from "../fleet/load-fleet.js";
import { describeHold, readHold } from "../../stage/hold.js";
import { stageLayout } from "../../stage/layout-paths.js";
import { formatTime } from "../../state/format-time.js";

export const statusHelp = `usage: binpkgbot status [-c FILE] [--json] [--target NAME]

Prints the last run and each task's last result (a failure with its class: "failed (fetch)"), when
it ran and when it last succeeded, and each server's latest coverage check (covered, or N to compile,
and when), from the state database in the config's state_dir. Reads only: safe while a run is going on.
--json prints the same as a JSON document. With a fleet file (-c binpkgbot-fleet.yml), each target's
status headed by its name and labels; --target NAME picks one. --redis URL first prints the fleet's
workers (labels, load, which are signers, the jobs running where, the targets each does not take and
why) from their heartbeats in Redis.`;

export async function statusCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("status", { args: context.args, options: { json: { type: "boolean", default: false }, target: { type: "string" }, redis: { type: "string" } }, strict: true });
  if (values.redis !== undefined) for (const line of await readWorkersLines(values.redis, context.env)) context.stdout(line);
  const loaded = loadConfigOrFleetOrFail(context.configFile, values.target);
  if (loaded.kind === "fleet") return statusFleet(context, loaded, values.json);
  const { config } = loaded;
  const status = await readStatus(config);
  if (values.json) {
    context.stdout(JSON.stringify(status, null, 2));
    return ExitCode.ok;
  }
  printStatus(context, config, status);
  return ExitCode.ok;
}

export type Status = Awaited<ReturnType<typeof readStatus>>;

/** What status prints of one config, from its state database and its stage. */
export async function readStatus(config: Config) {
  const state = openStateForReading(config.stateDir);
  const lastRun = state?.lastRun() ?? null;
  const recorded = state?.taskStatus() ?? [];
  const servers = state?.serverCoverage() ?? [];
  state?.close();
  const configured = new Set(config.tasks.map((task) => task.id));
  const tasks = recorded.map((task) => ({ ...task, inConfig: task.taskId === "sync" ? config.sync.kind !== "none" : configured.has(task.taskId) }));
  const neverRun = config.tasks.map((task) => task.id).filter((id) => !recorded.some((task) => task.taskId === id));
  const stageHold = await readHold(stageLayout(config.stage));
  return { lastRun, tasks, neverRun, stageHold, servers };
}

export function printStatus(context: CommandContext, config: Config, { lastRun, tasks, neverRun, stageHold, servers }: Status): void {
  if (stageHold !== null) context.stdout(`held: ${describeHold(stageHold)}`);
  if (lastRun === null) context.stdout(`no run recorded yet in ${config.stateDir}: start one with binpkgbot run`);
  else context.stdout(formatRun(lastRun));
  if (tasks.length > 0 || neverRun.length > 0) context.stdout("");
  for (const line of formatStatusTable(tasks, neverRun)) context.stdout(line);
  const serverLines = formatServerTable(servers, (config.servers ?? []).map((server) => server.name));
  if (serverLines.length > 0) context.stdout("");
  for (const line of serverLines) context.stdout(line);
}

/** The workers' heartbeats (src/fleet/queue/worker-status.ts); loaded only with --redis. */
async function readWorkersLines(url: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const [{ readRedisOption }, { readWorkerStatuses, renderWorkerStatuses }, { Redis }] = await Promise.all([
    import("./worker.js"), import("../../fleet/queue/worker-status.js"), import("ioredis"),
  ]);
  const redis = new Redis({ ...readRedisOption("status", url, env), maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  try {
    await redis.connect();
    return [...renderWorkerStatuses(await readWorkerStatuses(redis)), ""];
  } catch (error) {
    throw new CliError(`cannot read the workers from Redis at ${url.replace(/:[^:@/]*@/, ":***@")}: ${(error as Error).message}; is redis-server running there?`, ExitCode.host, { cause: error });
  } finally {
    redis.disconnect();
  }
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
      formatResult(task),
      formatTime(task.startedAt),
      task.durationMs === null ? "-" : formatDuration(task.durationMs),
      task.lastSucceededAt === null ? "never" : formatTime(task.lastSucceededAt),
    ]),
    ...neverRun.map((id) => [id, "never run", "-", "-", "never"]),
  ];
  return formatTable(rows);
}

/** Each server's latest coverage check, and the declared servers never checked; nothing without servers. */
export function formatServerTable(records: readonly ServerCoverageRecord[], declared: readonly string[]): string[] {
  const unchecked = declared.filter((name) => !records.some((record) => record.server === name));
  if (records.length === 0 && unchecked.length === 0) return [];
  return formatTable([
    ["SERVER", "COVERAGE", "CHECKED"],
    ...records.map((record) => [declared.includes(record.server) ? record.server : `${record.server} (not in the config)`, formatCoverage(record), formatTime(record.checkedAt)]),
    ...unchecked.map((name) => [name, "never checked (binpkgbot coverage)", "-"]),
  ]);
}

function formatCoverage(record: ServerCoverageRecord): string {
  switch (record.status) {
    case "covered": return "covered";
    case "uncovered": return `${record.toCompile ?? "?"} to compile`;
    case "own-stage": return "needs its own stage";
    case "error": return "not checked";
    default: {
      const never: never = record.status;
      throw new Error(`unhandled coverage ${JSON.stringify(never)}`);
    }
  }
}

/** "failed (build)": the result, and the failure class where one was recorded. */
export function formatResult(task: Pick<TaskResultRecord, "result" | "failure">): string {
  return task.failure === null ? task.result : `${task.result} (${task.failure.class})`;
}

/** Left-aligned columns, two spaces apart. */
export function formatTable(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0))).join("  "));
}

export { formatTime };

export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  return hours > 0 ? `${hours}h${String(minutes).padStart(2, "0")}m` : `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
}
