// The validated, normalised config: what the planner consumes. Paths are absolute, includes are flattened.
import type { Schedule } from "../daemon/schedule.js";
import type { PathSegment } from "./issues.js";
import type { LogRetention } from "./log-retention.js";

export interface Bind {
  from: string;
  to: string;
  writable: boolean;
}

/** One package.use line: ATOM flag -flag VIDEO_CARDS: radeon */
export interface UseLine {
  atom: string;
  tokens: string[];
}

/** One package.accept_keywords line: ATOM ~amd64 (keywords never empty here: a bare atom gets ~*). */
export interface KeywordLine {
  atom: string;
  keywords: string[];
}

export interface Modifiers {
  use: UseLine[];
  acceptKeywords: KeywordLine[];
  unmask: string[];
  mask: string[];
}

/** Where a task was written: the file, its key path there, and the chain of files that included it. */
export interface TaskOrigin {
  file: string;
  path: readonly PathSegment[];
  line: number;
  includedFrom: readonly string[];
}

export interface BuildTask {
  kind: "upgrade" | "install";
  id: string;
  atom: string;
  persist: boolean;
  modifiers: Modifiers;
  origin: TaskOrigin;
  /** The task's own `retries`; absent: the config's. */
  retries?: number;
  /** The task's own memory_max in bytes; absent: the config's. */
  memoryMax?: number;
}

export interface RunTask {
  kind: "run";
  id: string;
  /** The whole script file, shebang included. */
  script: string;
  host: boolean;
  persist: boolean;
  origin: TaskOrigin;
  /** The task's own `retries`; absent: the config's. */
  retries?: number;
  /** The task's own memory_max in bytes (container tasks only); absent: the config's. */
  memoryMax?: number;
}

/** `server: NAME`: everything that server's @world needs, built with its /etc/portage (src/plan/plan-server-step.ts). */
export interface ServerTask {
  kind: "server";
  id: string;
  /** A declared server's name (`server: all` is one task per server, see src/config/server-tasks.ts). */
  server: string;
  persist: false;
  origin: TaskOrigin;
  /** Written as a plain name, so always the config's `retries` and `memory_max`. */
  retries?: undefined;
  memoryMax?: undefined;
}

export type Task = BuildTask | RunTask | ServerTask;

export type SyncSpec =
  | { kind: "none" }
  | { kind: "emerge" }
  | { kind: "script"; host: boolean; script: string };

export interface MailSettings {
  to: string;
  from: string | null;
  /** The sendmail binary, absolute. */
  sendmail: string;
}

export interface NotifySettings {
  webhook: string | null;
  mail: MailSettings | null;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface DaemonSettings {
  /** When the daemon ticks. */
  schedule: Schedule;
  notify: NotifySettings;
  /** Where the daemon's status server listens; null: no status server. */
  statusListen: ListenAddress | null;
  /** dashboard.token_file, absolute; null: the dashboard stays on localhost and has no actions. */
  dashboardTokenFile?: string | null;
}

/** Portage's binpkg-signing (make.conf(5): BINPKG_GPG_SIGNING_KEY, BINPKG_GPG_SIGNING_GPG_HOME). */
export interface SigningSettings {
  key: string;
  /** The host GnuPG home with the secret key; copied for each build, never bound. */
  gnupgHome: string;
}

/**
 * A server that installs this stage's binpkgs (src/config/servers.ts): copies of its /etc/portage and
 * world that the admin keeps current (absolute paths), or `report: true`, a server that sends them itself.
 */
export type Server = {
  name: string;
  /** Extra set files, absolute; each is @ its file name. */
  sets: string[];
  /** Atoms the admin accepts being compiled there. */
  ignore: string[];
} & ({ report: false; etcPortage: string; world: string } | { report: true; tokenFile: string });
/** Releases of PKGDIR (src/releases/). */
export interface ReleaseSettings {
  /** The releases directory, absolute. */
  dir: string;
  /** releases_keep. */
  keep: number;
  /** When a run is published; null: only `binpkgbot publish` makes releases. */
  publish: "success" | "always" | "covered" | null;
}

export interface Config {
  /** The config file, absolute. */
  file: string;
  /** Every file read: the config and its includes. */
  files: string[];
  stage: string;
  /** Generations of the stage kept for rollback. */
  stageGenerations: number;
  /** Failed throw-away containers kept for inspection, newest first (src/stage/kept-failed.ts). */
  keepFailed: number;
  etcPortage: string;
  portageRepo: string;
  portageRepoLocation: string;
  pkgdir: string;
  pkgdirLocation: string;
  distdir: string | null;
  distdirLocation: string;
  stateDir: string;
  /** loadConfig() always sets it; configs built in code get DEFAULT_LOG_RETENTION. */
  logRetention?: LogRetention;
  useSudo: boolean;
  /** memory_max in bytes: the most memory one container may use (src/container/memory-limit.ts); absent or null: no limit. */
  memoryMax?: number | null;
  emergeOptions: string[];
  /** null: leave CONFIG_PROTECT_MASK alone. */
  configProtectMask: string | null;
  sync: SyncSpec;
  /** Containers get the stage's own binrepos.conf where etc_portage has none. */
  stageBinrepos: boolean;
  signing: SigningSettings | null;
  binds: Bind[];
  tasks: Task[];
  /** The servers `binpkgbot coverage` checks. loadConfig() always sets it; configs built in code may omit it. */
  servers?: Server[];
  /** More attempts after a transient failure. loadConfig() always sets it; configs built in code get DEFAULT_RETRIES. */
  retries?: number;
  /** Tasks at once (`jobs`), or 'auto': one per online CPU, which the caller reads. Absent in configs built in code: 1. */
  jobs?: number | "auto";
  /** Tokens of the run's one GNU make jobserver (src/jobserver/); absent or null: no pool. */
  buildJobs?: number | null;
  /** loadConfig() always sets it; configs built in code publish nothing and keep releases beside pkgdir. */
  releases?: ReleaseSettings;
  /**
   * What only `binpkgbot daemon` reads. loadConfig() always sets it; it is optional so that configs built
   * in code (tests, tools) need not, and src/daemon/settings.ts gives the defaults then.
   */
  daemon?: DaemonSettings;
}
