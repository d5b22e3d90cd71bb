// The daemon's coverage checks: after a run that added binpkgs and when a server's report arrives, it
// asks again what each server would compile, keeps the answer in the state database (status, /status)
// and notifies a server that became uncovered or covered again. One check at a time; never throws.
import type { Config } from "../config/config.js";
import { probeHost } from "../container/host.js";
import { checkCoverage } from "../coverage/check-coverage.js";
import { coverageRecord, renderCoverage } from "../coverage/coverage-report.js";
import { makeRunId } from "../engine/perform-run.js";
import type { Exec } from "../exec/exec.js";
import type { Notifier } from "../notify/notifier.js";
import { openStateDatabase } from "../state/database.js";
import type { Logger } from "./log.js";

export interface CoverageCheckDeps {
  exec: Exec;
  env: NodeJS.ProcessEnv;
  now(): Date;
  signal: AbortSignal;
  notifier: Notifier;
  log: Logger;
  /** The check itself; the real one starts containers. */
  check?: typeof checkCoverage;
  /** Whether systemd is PID 1 (src/container/host.ts). */
  probe?: () => Promise<{ systemdPid1: boolean }>;
}

export interface CoverageChecks {
  /** Checks the named servers of `config` (default: all of them) once the checks before are done. */
  recheck(config: Config, names?: readonly string[]): Promise<void>;
  /** Resolves when no check is going on (after the daemon's signal, none starts). */
  idle(): Promise<void>;
}

export function createCoverageChecks(deps: CoverageCheckDeps): CoverageChecks {
  let queue: Promise<void> = Promise.resolve();
  return {
    recheck(config, names) {
      queue = queue.then(() => checkServers(deps, config, names)).catch((error: unknown) => {
        deps.log.warning("coverage-error", `the coverage check ended with an error: ${(error as Error).message}; binpkgbot coverage runs it by hand`);
      });
      return queue;
    },
    idle: () => queue,
  };
}

async function checkServers(deps: CoverageCheckDeps, config: Config, names: readonly string[] | undefined): Promise<void> {
  const servers = (config.servers ?? []).filter((server) => names === undefined || names.includes(server.name));
  if (servers.length === 0 || deps.signal.aborted) return;
  const host = await (deps.probe ?? (() => probeHost({ exec: deps.exec, path: deps.env.PATH ?? "" })))();
  const results = await (deps.check ?? checkCoverage)(config, servers, { exec: deps.exec, systemdPid1: host.systemdPid1, runId: makeRunId(deps.now()), signal: deps.signal });
  if (deps.signal.aborted) return;
  const records = results.map((result) => coverageRecord(result, deps.now()));
  const db = openStateDatabase(config.stateDir);
  try {
    db.recordServerCoverage(records);
  } finally {
    db.close();
  }
  for (const result of results) deps.log.info("coverage", renderCoverage(result)[0] ?? result.server, { server: result.server, status: result.status });
  await deps.notifier.serverCoverage(records);
}
