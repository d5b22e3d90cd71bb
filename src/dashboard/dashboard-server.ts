// The dashboard on the status server: what it reads (the status server's read-only connection, the
// stage, releases, and whatever the status shows beside the task rows, such as servers' coverage),
// who may read and act, and the refusal to listen beyond localhost without a token.
import path from "node:path";
import { describeGpkgMembers } from "../binhost/gpkg-signature.js";
import { readTarMembers } from "../binhost/read-tar-members.js";
import { readTokenFileSync } from "../report/report-token.js";
import type { WorkersAnswer } from "../fleet/queue/read-workers.js";
import type { StatusReader } from "../server/status-reader.js";
import { readHoldSync } from "../stage/hold.js";
import { readCurrent } from "../stage/layout.js";
import { stageLayout } from "../stage/layout-paths.js";
import { readCurrentNumber } from "../releases/read-releases.js";
import { releasesLayout } from "../releases/release-layout.js";
import type { DashboardSource } from "./api.js";
import type { DashboardOptions } from "./dashboard-http.js";
import { streamLiveLog } from "./live-log.js";
import { createMetrics } from "./metrics.js";

export interface DashboardSettings {
  /** dashboard.token_file, absolute; null: none. */
  tokenFile: string | null;
  log(line: string): void;
  runNow(): Promise<string>;
}

export interface DashboardFacts {
  stateDir(): string;
  stage?(): string;
  releasesDir?(): string;
  pkgdir?(): string;
  daemon(): Record<string, unknown>;
  /** Given Redis: the fleet's workers, for the Workers page. */
  workers?(): Promise<WorkersAnswer>;
}

/** Why the dashboard may not listen here, in one line; null when it may. */
export function refuseListen(host: string, tokenFile: string | null, isLoopback: (host: string) => boolean): string | null {
  if (isLoopback(host) || host === "localhost" || tokenFile !== null) return null;
  return `the dashboard would listen on ${host}, which other hosts can reach, without a token: set dashboard: {token_file: FILE} in the config, or listen on 127.0.0.1`;
}

export function readDashboardToken(tokenFile: string | null): string | null {
  if (tokenFile === null) return null;
  try {
    // The reporting servers' reader: a FIFO, a device or a huge file in its place is refused, not read.
    return readTokenFileSync(tokenFile);
  } catch (error) {
    throw new Error(`dashboard.token_file: ${(error as Error).message}`, { cause: error });
  }
}

export function createDashboard(facts: DashboardFacts, reader: StatusReader, settings: DashboardSettings, local: boolean): DashboardOptions {
  const source: DashboardSource = {
    state: () => reader.database(facts.stateDir()),
    facts: () => readFacts(facts, reader),
    now: () => Date.now(),
    ...(facts.pkgdir ? { signature: (binpkgPath: string) => readSignature(facts.pkgdir?.() ?? "", binpkgPath) } : {}),
    ...(facts.workers ? { workers: facts.workers.bind(facts) } : {}),
  };
  const metrics = createMetrics(source);
  return {
    source,
    auth: { token: readDashboardToken(settings.tokenFile), readNeedsToken: !local },
    actions: { stateDir: facts.stateDir, stage: () => facts.stage?.() ?? "", now: () => new Date(), runNow: settings.runNow },
    log: settings.log,
    metrics: () => metrics.render(),
    liveLog: (req, res, url) => streamLiveLog(req, res, url, source),
  };
}

async function readFacts(facts: DashboardFacts, reader: StatusReader): Promise<Record<string, unknown>> {
  const stateDir = facts.stateDir();
  // Whatever the status rows hold beyond the last run and the tasks (servers' coverage) is shown as it is.
  const { lastRun: _lastRun, tasks: _tasks, ...more } = reader.read(stateDir) as unknown as Record<string, unknown>;
  const stage = facts.stage?.();
  const current = stage === undefined ? null : await readCurrent(stageLayout(stage));
  const releasesDir = facts.releasesDir?.();
  return {
    daemon: facts.daemon(),
    ...more,
    stage: stage === undefined ? null : { path: stage, generation: current?.kind === "generation" ? current.name : (current?.kind ?? null), hold: readHoldSync(stageLayout(stage)) },
    releases: releasesDir === undefined ? null : { dir: releasesDir, current: await readCurrentNumber(releasesLayout(releasesDir)) },
    lastTick: facts.daemon().lastTick ?? null,
  };
}

/**
 * The signature state of a binpkg the state database names. The path came from the Packages index a
 * container wrote: only a plain relative path below PKGDIR is opened.
 */
async function readSignature(pkgdir: string, binpkgPath: string): Promise<string> {
  if (binpkgPath.startsWith("/") || binpkgPath.split("/").some((part) => part === ".." || part === "")) return "unknown";
  if (!binpkgPath.endsWith(".gpkg.tar")) return "not-gpkg";
  try {
    const members = await readTarMembers(path.join(pkgdir, binpkgPath));
    return describeGpkgMembers(members.map((member) => member.name)).state;
  } catch {
    return "unknown";
  }
}
