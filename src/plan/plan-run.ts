// Config + host facts → Plan. Pure: the run id and every host fact come in as arguments.
import path from "node:path";
import type { BuildTask, Config, Task } from "../config/config.js";
import { hashText } from "../config/tasks.js";
import { renderNspawnArgv, type BindMount, type ContainerSpec } from "../container/nspawn-argv.js";
import { portageFileName, renderAcceptKeywords, renderAtomList, renderPackageUse } from "../portage/package-files.js";
import { stageLayout } from "../stage/layout-paths.js";
import { planSigning, signingBinds, signingEnv, trustedKey } from "./plan-signing.js";
import { PLAN_VERSION, type StageTransaction, type ContainerStep, type EtcPortageCopy, type HostStep, type Plan, type PlanHostFacts, type Step, type TaskRef } from "./plan.js";

export interface PlanInput {
  config: Config;
  host: PlanHostFacts;
  /** Names this run's log and work directories, e.g. "20261126T031500Z". */
  runId: string;
}

const SCRIPT_IN_CONTAINER = "/run/binpkgbot/script";
const PORTAGE_LOG_IN_CONTAINER = "/var/log/portage";


function stepContext({ config, host, runId }: PlanInput): StepContext {
  return { config, host, runId, logDir: path.join(config.stateDir, "logs", runId), machinePrefix: `binpkgbot-${hashText(config.stage, 6)}` };
}

export function planRun(input: PlanInput): Plan {
  const { config, host, runId } = input;
  const context = stepContext(input);
  const { logDir } = context;
  const steps: Step[] = [];
  const sync = planSync(context);
  if (sync) steps.push(sync);
  config.tasks.forEach((task) => steps.push(planTask(context, task, steps.length)));
  return {
    version: PLAN_VERSION,
    runId,
    config: config.file,
    stage: config.stage,
    pkgdir: config.pkgdir,
    lockFile: stageLockFile(config.stage),
    logDir,
    warnings: planWarnings(config, host),
    steps,
  };
}

/** Beside the stage, not in the state directory: two configs on one stage must still exclude each other. */
export function stageLockFile(stage: string): string {
  return path.join(path.dirname(stage), `.${path.basename(stage)}.binpkgbot.lock`);
}

function planWarnings(config: Config, host: PlanHostFacts): string[] {
  const warnings: string[] = [];
  if (host.stageFilesystem !== null && host.stageFilesystem !== "btrfs") {
    warnings.push(`${config.stage} is on ${host.stageFilesystem}, not btrfs: every throw-away container is a full copy of the stage (slow, and as large as the stage), and a persisting task changes the stage in place, so a failure leaves it half-changed; move the stage to a btrfs subvolume`);
  }
  if (config.distdir === null) warnings.push("no distdir: every throw-away container downloads its sources again; set 'distdir' in the config");
  return warnings;
}

interface StepContext {
  config: Config;
  host: PlanHostFacts;
  runId: string;
  logDir: string;
  machinePrefix: string;
}

function planSync(context: StepContext): Step | undefined {
  const { sync } = context.config;
  const task: TaskRef = { id: "sync", kind: "sync", title: "sync the repository", origin: `${context.config.file}: sync` };
  switch (sync.kind) {
    case "none":
      return undefined;
    case "emerge":
      return containerStep(context, 0, task, { command: ["emerge", "--sync"], persist: false, repoWritable: true });
    case "script":
      return sync.host
        ? hostStep(context, task, sync.script)
        : containerStep(context, 0, task, { script: sync.script, persist: false, repoWritable: true });
    default: {
      const never: never = sync;
      throw new Error(`unhandled sync ${JSON.stringify(never)}`);
    }
  }
}

function planTask(context: StepContext, task: Task, index: number): Step {
  const ref = taskRef(task);
  switch (task.kind) {
    case "upgrade":
    case "install":
      return containerStep(context, index, ref, { command: emergeArgv(context.config, task), persist: task.persist, task });
    case "run":
      // A script may sync the repository (the original tool's way: emerge-webrsync), so it gets it writable;
      // builds (upgrade, install) keep it read-only.
      return task.host ? hostStep(context, ref, task.script) : containerStep(context, index, ref, { script: task.script, persist: task.persist, repoWritable: true });
    default: {
      const never: never = task;
      throw new Error(`unhandled task ${JSON.stringify(never)}`);
    }
  }
}

function taskRef(task: Task): TaskRef {
  const title = task.kind === "run" ? `run ${task.host ? "on the host" : "in the stage"}` : `${task.kind} ${task.atom}`;
  return { id: task.id, kind: task.kind, title, origin: `${task.origin.file}:${task.origin.line}` };
}

/** emerge(1): --usepkg installs matching binpkgs of dependencies instead of rebuilding them. */
export function emergeArgv(config: Config, task: BuildTask): string[] {
  const update = task.kind === "upgrade" ? ["--update", "--deep", "--newuse"] : [];
  return ["emerge", "--usepkg", ...config.emergeOptions, ...update, task.atom];
}

/** Environment of every container. FEATURES in the environment adds to make.conf's (make.conf(5), incremental). */
export function containerEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {
    FEATURES: "buildpkg",
    PKGDIR: config.pkgdirLocation,
    PORTAGE_LOGDIR: PORTAGE_LOG_IN_CONTAINER,
    PORTAGE_ELOG_CLASSES: "log warn error qa",
    PORTAGE_ELOG_SYSTEM: "save save_summary",
  };
  if (config.distdir !== null) env.DISTDIR = config.distdirLocation;
  if (config.configProtectMask !== null) env.CONFIG_PROTECT_MASK = config.configProtectMask;
  return env;
}

interface ContainerWork {
  command?: string[];
  script?: string;
  persist: boolean;
  repoWritable?: boolean;
  task?: BuildTask;
  /** A person's shell on this directory (the stage, or a kept failed snapshot); with a terminal it keeps it. */
  shell?: ShellTarget;
}

/**
 * An interactive shell in a container with the same binds, environment and /etc/portage as a build:
 * on a throw-away snapshot of the stage, or on the failed snapshot a persisting task left.
 */
export interface ShellTarget {
  directory: string;
  ephemeral: boolean;
  /** Standard input is a terminal: nspawn keeps it; otherwise --pipe, so a script can be piped in. */
  terminal: boolean;
}

export function planShell(input: PlanInput, target: ShellTarget): ContainerStep {
  const task: TaskRef = { id: "shell", kind: "run", title: `shell in ${target.directory}`, origin: input.config.file };
  return containerStep(stepContext(input), 0, task, { command: ["/bin/bash", "--login"], persist: false, shell: target });
}

function containerStep(context: StepContext, index: number, task: TaskRef, work: ContainerWork): ContainerStep {
  const { config } = context;
  const workDir = path.join(config.stateDir, "work", context.runId, task.id);
  const portageLogDir = path.join(context.logDir, `${task.id}.portage`);
  const etcPortage: EtcPortageCopy = {
    from: config.etcPortage, to: path.join(workDir, "etc-portage"), portageFiles: work.task ? portageFiles(work.task) : [], trust: trustedKey(config),
    stageBinrepos: config.stageBinrepos ? path.join(config.stage, "etc/portage/binrepos.conf") : null,
  };
  // Only containers that build for PKGDIR sign: not the sync, not a person's shell.
  const signing = config.signing && task.kind !== "sync" && !work.shell ? planSigning(config.signing, workDir) : null;
  const binds: BindMount[] = [
    { from: config.portageRepo, to: config.portageRepoLocation, writable: work.repoWritable ?? false },
    { from: config.pkgdir, to: config.pkgdirLocation, writable: true },
    ...(config.distdir !== null ? [{ from: config.distdir, to: config.distdirLocation, writable: true }] : []),
    { from: etcPortage.to, to: "/etc/portage", writable: false },
    { from: portageLogDir, to: PORTAGE_LOG_IN_CONTAINER, writable: true },
    ...config.binds,
    ...(signing ? signingBinds(signing) : []),
  ];
  const files = [];
  if (work.script !== undefined) {
    const scriptPath = path.join(workDir, "script");
    files.push({ path: scriptPath, containerPath: SCRIPT_IN_CONTAINER, text: work.script, mode: 0o755 });
    binds.push({ from: scriptPath, to: SCRIPT_IN_CONTAINER, writable: false });
  }
  // Without btrfs there are no instant snapshots: a persisting step then changes the stage in place.
  const transaction = work.persist && context.host.stageFilesystem !== null && context.host.stageFilesystem !== "btrfs" ? null
    : work.persist ? stageTransaction(config) : null;
  const spec: ContainerSpec = {
    directory: work.shell?.directory ?? transaction?.next ?? config.stage,
    ephemeral: work.shell?.ephemeral ?? !work.persist,
    ...(work.shell?.terminal ? { interactive: true } : {}),
    machine: `${context.machinePrefix}-${index}`,
    binds,
    env: signing ? signingEnv(signing, containerEnv(config)) : containerEnv(config),
    command: work.command ?? [SCRIPT_IN_CONTAINER],
    register: context.host.systemdPid1,
    sudo: config.useSudo,
  };
  return {
    kind: "container", task, persist: work.persist, transaction, signing, workDir, logFile: path.join(context.logDir, `${task.id}.log`),
    files, etcPortage, portageLogDir, spec, argv: [...parentDeathSignal(spec), ...renderNspawnArgv(spec)],
  };
}

function stageTransaction(config: Config): StageTransaction {
  const layout = stageLayout(config.stage);
  return { stage: config.stage, generationsDir: layout.generationsDir, next: layout.next, keep: config.stageGenerations };
}

/**
 * setpriv(1) --pdeathsig: if binpkgbot itself is killed (even with SIGKILL), nspawn gets SIGTERM and
 * removes its ephemeral snapshot instead of running on orphaned. The kernel clears the setting when a
 * set-user-ID program such as sudo starts, so with sudo this protection is not available.
 */
function parentDeathSignal(spec: ContainerSpec): string[] {
  return spec.sudo ? [] : ["setpriv", "--pdeathsig", "TERM", "--"];
}

function hostStep(context: StepContext, task: TaskRef, script: string): HostStep {
  const { config } = context;
  const workDir = path.join(config.stateDir, "work", context.runId, task.id);
  const scriptPath = path.join(workDir, "script");
  return {
    kind: "host", task, persist: false, workDir, logFile: path.join(context.logDir, `${task.id}.log`),
    files: [{ path: scriptPath, text: script, mode: 0o755 }],
    argv: [scriptPath],
    // What a host script needs to find the build's pieces without repeating the config.
    env: {
      BINPKGBOT_CONFIG: config.file,
      BINPKGBOT_STAGE: config.stage,
      BINPKGBOT_PKGDIR: config.pkgdir,
      BINPKGBOT_PORTAGE_REPO: config.portageRepo,
      BINPKGBOT_ETC_PORTAGE: config.etcPortage,
    },
  };
}

function portageFiles(task: BuildTask): EtcPortageCopy["portageFiles"] {
  const header = `binpkgbot task ${task.id}: ${task.kind} ${task.atom} (${task.origin.file}:${task.origin.line})`;
  const { use, acceptKeywords, unmask, mask } = task.modifiers;
  const files: EtcPortageCopy["portageFiles"] = [];
  const add = (name: string, text: string): void => {
    files.push({ name, file: `${name}/${portageFileName}`, text });
  };
  if (use.length > 0) add("package.use", renderPackageUse(header, use));
  if (acceptKeywords.length > 0) add("package.accept_keywords", renderAcceptKeywords(header, acceptKeywords));
  if (unmask.length > 0) add("package.unmask", renderAtomList(header, unmask));
  if (mask.length > 0) add("package.mask", renderAtomList(header, mask));
  return files;
}
