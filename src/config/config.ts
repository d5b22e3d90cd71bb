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
}

export interface RunTask {
  kind: "run";
  id: string;
  /** The whole script file, shebang included. */
  script: string;
  host: boolean;
  persist: boolean;
  origin: TaskOrigin;
}

export type Task = BuildTask | RunTask;

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
}

/** Portage's binpkg-signing (make.conf(5): BINPKG_GPG_SIGNING_KEY, BINPKG_GPG_SIGNING_GPG_HOME). */
export interface SigningSettings {
  key: string;
  /** The host GnuPG home with the secret key; copied for each build, never bound. */
  gnupgHome: string;
}

export interface Config {
  /** The config file, absolute. */
  file: string;
  /** Every file read: the config and its includes. */
  files: string[];
  stage: string;
  /** Generations of the stage kept for rollback. */
  stageGenerations: number;
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
  emergeOptions: string[];
  /** null: leave CONFIG_PROTECT_MASK alone. */
  configProtectMask: string | null;
  sync: SyncSpec;
  /** Containers get the stage's own binrepos.conf where etc_portage has none. */
  stageBinrepos: boolean;
  signing: SigningSettings | null;
  binds: Bind[];
  tasks: Task[];
  /**
   * What only `binpkgbot daemon` reads. loadConfig() always sets it; it is optional so that configs built
   * in code (tests, tools) need not, and src/daemon/settings.ts gives the defaults then.
   */
  daemon?: DaemonSettings;
}
