// `binpkgbot daemon`: ticks on the config's schedule (tick.ts), reloads the config when a file of it
// changes or on request (SIGHUP), checks a server's coverage when its report arrives, answers GET
// /status, and stops cleanly when its signal aborts.
import path from "node:path";
import type { Config } from "../config/config.js";
import { formatIssue, type LocatedIssue } from "../config/issues.js";
import type { LoadResult } from "../config/load.js";
import type { PerformedRun, PerformRunOptions } from "../engine/perform-run.js";
import type { Exec } from "../exec/exec.js";
import type { WorkersAnswer } from "../fleet/queue/read-workers.js";
import type { Notifier } from "../notify/notifier.js";
import { configReleasesLayout } from "../releases/publish-config.js";
import { startStatusServer, type RunningStatusServer } from "../server/status-server.js";
import { serverReportDir } from "../report/reporting-servers.js";
import { createActivityTracker, type ActivityTracker } from "./activity.js";
import { createCoverageChecks } from "./coverage-checks.js";
import { readDaemonState, writeDaemonState } from "./daemon-state.js";
import { createEventLogger, TickWarnings } from "./log-events.js";
import type { Logger } from "./log.js";
import { createScheduler, systemClock, type Scheduler, type SchedulerClock } from "./scheduler.js";
import { daemonSettings } from "./settings.js";
import { runTick } from "./tick.js";
import { watchFiles } from "./watch-files.js";

export interface DaemonOptions {
  config: Config;
  /** Reads and validates the config again (the same file). */
  reloadConfig(): LoadResult;
  performRun(config: Config, options: PerformRunOptions): Promise<PerformedRun>;
  readChangeKey(config: Config): Promise<string>;
  notifier: Notifier;
  log: Logger;
  exec: Exec;
  env: NodeJS.ProcessEnv;
  now(): Date;
  /** Aborting it stops the daemon: the running container is stopped, and nothing new starts. */
  signal: AbortSignal;
  clock?: SchedulerClock;
  /** Given --redis: the fleet's workers, for /status and the dashboard. */
  workers?: () => Promise<WorkersAnswer>;
  watch?: { intervalMs: number; debounceMs: number };
}

export interface RunningDaemon {
  /** Validates the config again; a good one takes effect for the next tick, a bad one is reported. */
  reload(reason: string): void;
  /** Resolves once stopped: no run going on, the status server closed. */
  stopped: Promise<void>;
}

interface DaemonParts {
  options: DaemonOptions;
  config: Config;
  activity: ActivityTracker;
  scheduler: Scheduler;
  nextTick: Date | null;
  lastTick?: Date;
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const activity = createActivityTracker();
  const parts = { options, config: options.config, activity, nextTick: null } as DaemonParts;
  const warnings = new TickWarnings();
  const coverage = createCoverageChecks(options);
  parts.scheduler = createScheduler(daemonSettings(parts.config).schedule, options.clock ?? systemClock, {
    onTick: (at) => {
      parts.lastTick = at;
      warnings.nextTick();
      return runTick({
        ...options, config: () => parts.config, activity, emit: createEventLogger(options.log, warnings),
        readState: readDaemonState, writeState: writeDaemonState, recheckCoverage: (config) => coverage.recheck(config),
      });
    },
    onSkip: (at) => options.log.info("tick-skipped", `tick of ${at.toISOString()} skipped: the previous run is still going`),
    onError: (error) => options.log.error("tick-error", `the tick ended with an error: ${(error as Error).message}`),
    onArmed: (at) => armed(parts, at),
  });
  const server = await startServer(parts);
  const watcher = watchFiles({
    files: () => parts.config.files, onChange: () => reload(parts, "a file of the config changed"), ...(options.watch ?? { intervalMs: 1_000, debounceMs: 300 }),
  });
  // A report replaces the link state_dir/servers/NAME by rename (src/report/store-report.ts): its target changes.
  const reports = watchFiles({
    files: () => reportLinks(parts.config), ...(options.watch ?? { intervalMs: 1_000, debounceMs: 300 }),
    onChange: (links) => void coverage.recheck(parts.config, links.map((link) => path.basename(link))),
  });
  const settings = daemonSettings(parts.config);
  if (server?.warning) options.log.warning("status-exposed", server.warning);
  options.log.info("daemon-start", `binpkgbot daemon started: config ${parts.config.file}, schedule '${settings.schedule.text}'${server ? `, status at ${server.url}/status` : ""}`);
  parts.scheduler.start();
  const stopped = new Promise<void>((resolve) => {
    const stop = async (): Promise<void> => {
      options.log.info("daemon-stopping", activity.current() ? "stopping: stopping the running container and cleaning up" : "stopping");
      watcher.stop();
      reports.stop();
      await parts.scheduler.stop();
      await coverage.idle();
      await server?.close();
      options.log.info("daemon-stopped", "stopped; nothing is left running");
      resolve();
    };
    if (options.signal.aborted) void stop();
    else options.signal.addEventListener("abort", () => void stop(), { once: true });
  });
  return { reload: (reason) => reload(parts, reason), stopped };
}

function reportLinks(config: Config): string[] {
  return (config.servers ?? []).filter((server) => server.report).map((server) => serverReportDir(config.stateDir, server.name));
}

function armed(parts: DaemonParts, at: Date | null): void {
  parts.nextTick = at;
  if (at !== null) return;
  const { text } = daemonSettings(parts.config).schedule;
  parts.options.log.warning("schedule-ended", `the schedule '${text}' has no next time: no more ticks; change schedule in ${parts.config.file}`);
}

async function startServer(parts: DaemonParts): Promise<RunningStatusServer | null> {
  const listen = daemonSettings(parts.config).statusListen;
  if (listen === null) return null;
  return startStatusServer(listen, {
    stateDir: () => parts.config.stateDir,
    stage: () => parts.config.stage,
    releasesDir: () => configReleasesLayout(parts.config).dir,
    pkgdir: () => parts.config.pkgdir,
    ...(parts.options.workers ? { workers: parts.options.workers } : {}),
    dashboard: {
      tokenFile: daemonSettings(parts.config).dashboardTokenFile ?? null,
      log: (line) => parts.options.log.info("dashboard-action", line),
      runNow: () => runNow(parts),
    },
    daemon: () => ({
      lastTick: parts.lastTick?.toISOString() ?? null,
      configFile: parts.config.file,
      schedule: daemonSettings(parts.config).schedule.text,
      nextTick: parts.nextTick?.toISOString() ?? null,
      current: parts.activity.current(),
    }),
  });
}

/** The dashboard's "run now": a tick now, whatever the schedule says (the scheduler drops it while one runs). */
async function runNow(parts: DaemonParts): Promise<string> {
  if (parts.scheduler.running) return "a run is going on already: nothing new started";
  // Forgetting the last task run's change key makes the tick run the tasks even if nothing changed.
  const state = await readDaemonState(parts.config.stateDir);
  await writeDaemonState(parts.config.stateDir, { ...state, changeKey: null });
  parts.scheduler.tickNow();
  return "a run started now";
}

function reload(parts: DaemonParts, reason: string): void {
  const { log, notifier } = parts.options;
  const result = parts.options.reloadConfig();
  if (!result.ok) {
    for (const issue of result.issues) log.error("config-invalid", formatIssue(issue), { file: issue.file, line: issue.line, column: issue.column });
    log.error("config-invalid", `${reason}, but the config has ${result.issues.length} problem(s): the previous config stays in use until they are fixed`);
    void notifier.problem("config-invalid", summarizeIssues(result.issues));
    return;
  }
  const before = daemonSettings(parts.config);
  parts.config = result.config;
  const after = daemonSettings(result.config);
  void notifier.problem("config-invalid", null);
  for (const warning of result.warnings) log.warning("config-warning", formatIssue(warning));
  if (after.schedule.text !== before.schedule.text) parts.scheduler.setSchedule(after.schedule);
  if (JSON.stringify(after.statusListen) !== JSON.stringify(before.statusListen)) {
    log.warning("config-reloaded", "status_listen changed: it takes effect when the daemon restarts");
  }
  log.info("config-reloaded", `${reason}: config reloaded (${result.config.tasks.length} task(s), schedule '${after.schedule.text}'); it applies from the next tick`);
}

function summarizeIssues(issues: readonly LocatedIssue[]): string {
  return issues.map(formatIssue).join("\n");
}
