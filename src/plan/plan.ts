// A Plan is everything a run will do, as data: versioned, serialisable, and the only thing a run carries out.
import type { ContainerSpec } from "../container/nspawn-argv.js";
import type { VariantRequest } from "../portage/variant-request.js";
import type { StepSigning, TrustedKey } from "./plan-signing.js";

/** 2: every step has `group` and `after`, the plan its `groups` (src/plan/step-graph.ts). */
export const PLAN_VERSION = 2;

/** Facts about the host that decide the plan; read by the caller, never here. */
export interface PlanHostFacts {
  systemdPid1: boolean;
  /** Filesystem type of the stage directory ("btrfs", "ext4", …), null when unknown. */
  stageFilesystem: string | null;
}

/** A file written on the host before the step starts (scripts, /etc/portage additions). */
export interface PlannedFile {
  /** Absolute host path. */
  path: string;
  /** Where the container sees it, if it does. */
  containerPath?: string;
  text: string;
  mode: number;
}

/**
 * The admin's etc_portage copied for one container. For each `portageFiles` entry the copy's
 * `package.X` becomes a directory if it is a file (its content moves to `package.X/00-etc-portage`),
 * and the text is written as `package.X/zz-binpkgbot`, which sorts after everything else.
 */
export interface EtcPortageCopy {
  from: string;
  to: string;
  portageFiles: { name: string; file: string; text: string }[];
  /** With signing: the copy's gnupg/ keyring is made to trust this key (src/plan/plan-signing.ts). */
  trust: TrustedKey | null;
  /** With stage_binrepos: the stage's binrepos.conf (file or directory), copied in where etc_portage has none. */
  stageBinrepos: string | null;
  /** A `server:` task: the server's /etc/portage is copied instead, with its world (src/plan/plan-server-task.ts). */
  server?: PlannedServer;
  /** With build_jobs: the lines that put Portage on the job pool (src/portage/jobserver-conf.ts). */
  jobserver?: JobserverFiles;
}

/** A server's files as a `server:` task's container gets them. */
export interface PlannedServer {
  name: string;
  /** The admin's copies of its /etc/portage and world; null: it reports, and its last report is read when the step is prepared. */
  copies: { etcPortage: string; world: string } | null;
  /** Where its last report is looked for. */
  stateDir: string;
  /** Extra set files, each @ its file name. */
  sets: string[];
  /** Host directory of its world and world_sets, bound as those two files into /var/lib/portage. */
  varLib: string;
}

/** `makeConf` goes into make.conf (made a directory, like package.X) as zz-binpkgbot; `bashrc` is appended to bashrc. */
export interface JobserverFiles {
  makeConf: string;
  bashrc: string;
}

/** The step's FIFO on the run's job pool (build_jobs): made before its container starts, removed after. */
export interface StepJobserver {
  /** Host path, bound into the container at JOBSERVER_IN_CONTAINER. */
  fifo: string;
  /** The pool's size, build_jobs. */
  tokens: number;
}

export interface TaskRef {
  id: string;
  kind: "sync" | "upgrade" | "install" | "run" | "server";
  /** What the admin wrote, for messages: "install media-video/ffmpeg". */
  title: string;
  /** file:line of the task. */
  origin: string;
  /** How many more attempts a transient failure gets (`retries`, src/failure/retry-policy.ts). */
  retries: number;
}

interface StepBase {
  task: TaskRef;
  /** The step changes the stage: a failure leaves it in doubt, so later steps stop. */
  persist: boolean;
  workDir: string;
  logFile: string;
  files: PlannedFile[];
}

/**
 * A persisting step runs on `next`, a new snapshot of the stage; only if it succeeds does that snapshot
 * become the stage (the previous one is kept as a generation). See src/stage/transaction.ts.
 */
export interface StageTransaction {
  stage: string;
  generationsDir: string;
  next: string;
  keep: number;
}

/**
 * A throw-away step on btrfs runs in a snapshot binpkgbot makes itself (not nspawn's --ephemeral), so
 * that a failed one can be kept, read-only, in `dir`; the newest `keep` are kept. See src/stage/kept-failed.ts.
 */
export interface KeepFailed {
  stage: string;
  dir: string;
  keep: number;
}

export interface ContainerStep extends StepBase {
  kind: "container";
  transaction: StageTransaction | null;
  /** Null: the step persists, nothing is kept (keep_failed: 0), or the stage is not on btrfs. */
  keepFailed: KeepFailed | null;
  signing: StepSigning | null;
  etcPortage: EtcPortageCopy;
  /** Host directory bound at /var/log/portage: build logs and elog messages of this step. */
  portageLogDir: string;
  spec: ContainerSpec;
  argv: string[];
  /** An install task's atom and USE flags: after success PKGDIR must hold this variant (src/failure/variant-check.ts). */
  variant?: VariantRequest;
  /** With build_jobs: the step's FIFO on the run's job pool. */
  jobserver?: StepJobserver;
}

export interface HostStep extends StepBase {
  kind: "host";
  argv: string[];
  env: Record<string, string>;
}

export type Step = ContainerStep | HostStep;

/** Where a step stands in the run's order (src/plan/step-graph.ts); the run itself still goes one step at a time. */
export interface StepOrder {
  /** Index into `Plan.groups`. */
  group: number;
  /** Task ids of the steps that must finish before this one may start. */
  after: string[];
}

export type PlannedStep = Step & StepOrder;

export interface Plan {
  version: typeof PLAN_VERSION;
  runId: string;
  config: string;
  stage: string;
  pkgdir: string;
  lockFile: string;
  logDir: string;
  warnings: string[];
  steps: PlannedStep[];
  /**
   * Task ids by group, groups in run order: a persisting step, a host step or the sync alone; the
   * throw-away steps between two of them together, longest last run first.
   */
  groups: string[][];
}
