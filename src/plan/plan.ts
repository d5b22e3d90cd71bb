// A Plan is everything a run will do, as data: versioned, serialisable, and the only thing a run carries out.
import type { ContainerSpec } from "../container/nspawn-argv.js";
import type { StepSigning, TrustedKey } from "./plan-signing.js";

export const PLAN_VERSION = 1;

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
}

export interface TaskRef {
  id: string;
  kind: "sync" | "upgrade" | "install" | "run";
  /** What the admin wrote, for messages: "install media-video/ffmpeg". */
  title: string;
  /** file:line of the task. */
  origin: string;
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

export interface ContainerStep extends StepBase {
  kind: "container";
  transaction: StageTransaction | null;
  signing: StepSigning | null;
  etcPortage: EtcPortageCopy;
  /** Host directory bound at /var/log/portage: build logs and elog messages of this step. */
  portageLogDir: string;
  spec: ContainerSpec;
  argv: string[];
}

export interface HostStep extends StepBase {
  kind: "host";
  argv: string[];
  env: Record<string, string>;
}

export type Step = ContainerStep | HostStep;

export interface Plan {
  version: typeof PLAN_VERSION;
  runId: string;
  config: string;
  stage: string;
  pkgdir: string;
  lockFile: string;
  logDir: string;
  warnings: string[];
  steps: Step[];
}
