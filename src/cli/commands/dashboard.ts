import { spawn } from "node:child_process";
import { parseListenAddress } from "../../binhost/listen-address.js";
import type { Config } from "../../config/config.js";
import { daemonSettings } from "../../daemon/settings.js";
import { configReleasesLayout } from "../../releases/publish-config.js";
import { startStatusServer, StatusServerError } from "../../server/status-server.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { readWorkersOption } from "../redis-workers.js";

export const DASHBOARD_LISTEN = "127.0.0.1:8735";

export const dashboardHelp = `usage: binpkgbot dashboard [-c FILE] [--listen ADDR:PORT] [--redis URL]

Serves the dashboard (pages, the JSON API under /api/, /metrics, live logs) from the state database,
for a host that runs binpkgbot run from a timer; the daemon serves the same on status_listen.
--listen  where to listen (default ${DASHBOARD_LISTEN}); beyond localhost only with dashboard: {token_file}
          in the config, whose token also allows the actions (run now, force a task, hold/resume upgrades).
--redis   also show the fleet's workers (labels, load, signer, the jobs running where) from their
          heartbeats in Redis: the Workers page, /api/workers and /status; the password may come from
          BINPKGBOT_REDIS_PASSWORD. An unreachable Redis is one line there, after at most 2 s.
Each action is logged on stderr. Stops cleanly on SIGTERM or Ctrl-C (exit 0).`;

export async function dashboardCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs("dashboard", { args: context.args, options: { listen: { type: "string", default: DASHBOARD_LISTEN }, redis: { type: "string" } }, strict: true });
  const address = parseListenAddress(values.listen);
  if (!address.ok) throw new CliError(address.message, ExitCode.usage);
  const workers = readWorkersOption("dashboard", values.redis, context.env);
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  let server;
  try {
    server = await startStatusServer(address.value, {
      stateDir: () => config.stateDir,
      stage: () => config.stage,
      releasesDir: () => configReleasesLayout(config).dir,
      pkgdir: () => config.pkgdir,
      daemon: () => ({ configFile: config.file, current: null }),
      ...(workers ? { workers: () => workers.reader.read() } : {}),
      dashboard: {
        tokenFile: daemonSettings(config).dashboardTokenFile ?? null,
        log: (line) => context.stderr(`${context.now().toISOString()} ${line}`),
        runNow: () => startRun(config),
      },
    });
  } catch (error) {
    if (error instanceof StatusServerError) throw new CliError(error.message, ExitCode.usage, { cause: error });
    throw error;
  }
  context.stdout(`dashboard at ${server.url}/${workers ? ` (workers from Redis at ${workers.where})` : ""}`);
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
  await server.close();
  return ExitCode.ok;
}

/** "Run now" beside a timer: a binpkgbot run of its own, which waits for nobody (the stage lock refuses a second run). */
function startRun(config: Config): Promise<string> {
  const main = process.argv[1] ?? "binpkgbot";
  const child = spawn(process.execPath, [main, "run", "-c", config.file], { detached: true, stdio: "ignore" });
  child.unref();
  return Promise.resolve(`binpkgbot run -c ${config.file} started (PID ${child.pid ?? "?"})`);
}
