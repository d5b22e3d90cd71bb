import { hostname } from "node:os";
import type { Config } from "../../config/config.js";
import { formatIssue } from "../../config/issues.js";
import { formatIssues } from "../../config/load.js";
import { computeChangeKey, readChangeInputs } from "../../daemon/change-key.js";
import { createConfigLoader } from "../../daemon/config-texts.js";
import { startDaemon } from "../../daemon/daemon.js";
import { createLogger, isJournalStream, type LogFormat } from "../../daemon/log.js";
import { daemonSettings } from "../../daemon/settings.js";
import { performRun } from "../../engine/perform-run.js";
import { createNotifier } from "../../notify/notifier.js";
import { StatusServerError } from "../../server/status-server.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { oneTargetOnly } from "../fleet/load-fleet.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { readWorkersOption } from "../redis-workers.js";

export const daemonHelp = `usage: binpkgbot daemon [-c FILE] [--log-format text|json] [--redis URL]

Runs as a service: at start and then on the config's 'schedule' (default every hour) it syncs the
repository and, if the repository, etc_portage or the config changed since its last task run, runs
the tasks. Never two runs at once: a tick during a run is skipped. Reloads the config when one of its
files changes, and on SIGHUP; an invalid edit is reported and the previous config stays in use.
SIGTERM or SIGINT stops the running container, removes its snapshot and exits 0.
Logs one line per event on stderr (journald priorities under systemd); task output is prefixed with
the task id. GET /health and GET /status on 'status_listen' (default 127.0.0.1:8735).
Notifies 'notify' (webhook, mail) when a task starts failing or recovers, or a run cannot start.
  --log-format json   one JSON object per line: time, level, event, message, fields
  --redis URL         /status and the dashboard also show the fleet's workers from their heartbeats
                      in Redis (BINPKGBOT_REDIS_PASSWORD for the password), as binpkgbot dashboard --redis`;

export async function daemonCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs("daemon", { args: context.args, options: { "log-format": { type: "string", default: "text" }, redis: { type: "string" } }, strict: true });
  const format = values["log-format"];
  if (format !== "text" && format !== "json") throw new CliError(`--log-format ${format}: use text or json`, ExitCode.usage);
  const workers = readWorkersOption("daemon", values.redis, context.env);
  const loader = createConfigLoader(context.configFile);
  const first = loader.load();
  if (!first.ok) throw oneTargetOnly(context.configFile) ?? new CliError(`${formatIssues(first.issues)}\n${first.issues.length} problem(s) in the config; the daemon did not start`, ExitCode.config);
  const log = createLogger({ format: format as LogFormat, journal: isJournalStream(context.env), write: context.stderr, now: context.now });
  for (const warning of first.warnings) log.warning("config-warning", formatIssue(warning));
  let current: Config = first.config;
  const notifier = createNotifier({
    settings: () => ({ notify: daemonSettings(current).notify, stateDir: current.stateDir }),
    exec: context.exec, log, host: hostname(), now: context.now,
  });
  const daemon = await startDaemon({
    config: current, exec: context.exec, env: context.env, now: context.now, signal, log, notifier, performRun,
    ...(workers ? { workers: () => workers.reader.read() } : {}),
    reloadConfig: () => {
      const result = loader.load();
      if (result.ok) current = result.config;
      return result;
    },
    readChangeKey: async (config) => computeChangeKey(await readChangeInputs(config, context.exec, loader.textsOf(config))),
  }).catch((error: unknown) => {
    throw error instanceof StatusServerError ? new CliError(error.message, ExitCode.host, { cause: error }) : error;
  });
  const onHangup = (): void => daemon.reload("SIGHUP");
  process.on("SIGHUP", onHangup);
  await daemon.stopped.finally(() => process.off("SIGHUP", onHangup));
  return ExitCode.ok;
}
