// Config + host facts → Plan. Pure: the run id and every host fact come in as arguments.
import path from "node:path";
import type { BuildTask, Config, Task } from "../config/config.js";
import { hashText } from "../config/tasks.js";
import { DEFAULT_RETRIES } from "../failure/retry-policy.js";
import { renderNspawnArgv, type BindMount, type ContainerSpec } from "../container/nspawn-argv.js";
import { portageFileName, renderAcceptKeywords, renderAtomList, renderPackageUse } from "../portage/package-files.js";
import { planVariantRequest } from "../portage/variant-request.js";
import { stageLayout } from "../stage/layout-paths.js";
import { planJobserver } from "./plan-jobserver.js";
import { planKeepFailed } from "./plan-keep-failed.js";
import { planServer, serverBinds, serverEmergeArgv, serverEtcPortage } from "./plan-server-task.js";
import { planSigning, signingBinds, signingEnv, trustedKey } from "./plan-signing.js";
import { orderPlanSteps, type StepDurations } from "./step-graph.js";
import { PLAN_VERSION, type StageTransaction, type ContainerStep, type EtcPortageCopy, type HostStep, type Plan, type PlanHostFacts, type PlannedServer, type Step, type TaskRef } from "./plan.js";

export interface PlanInput {
  config: Config;
  host: PlanHostFacts;
  /** Names this run's log and work directories, e.g. "20261126T031500Z". */
  runId: string;
  /** Last recorded duration of each task, in ms, by task id: orders each group longest first. */
  durations?: StepDurations;
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
    ...orderPlanSteps(steps, input.durations),
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
  const task: TaskRef = { id: "sync", kind: "sync", title: "sync the repository", origin: `${context.config.file}: sync`, retries: configRetries(context.config) };
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
  const ref = taskRef(context.config, task);
  switch (task.kind) {
    case "upgrade":
    case "install":
      return containerStep(context, index, ref, { command: emergeArgv(context.config, task), persist: task.persist, task, memoryMax: task.memoryMax });
    case "server":
      return containerStep(context, index, ref, { command: serverEmergeArgv(context.config), persist: false, server: planServer(context.config, task.server, workDirOf(context, ref.id)) });
    case "run":
      // A script may sync the repository (the original tool's way: emerge-webrsync), so it gets it writable;
      // builds (upgrade, install) keep it read-only.
      return task.host ? hostStep(context, ref, task.script)
        : containerStep(context, index, ref, { script: task.script, persist: task.persist, repoWritable: true, memoryMax: task.memoryMax });
    default: {
      const never: never = task;
      throw new Error(`unhandled task ${JSON.stringify(never)}`);
    }
  }
}

function workDirOf(context: StepContext, taskId: string): string {
  return path.join(context.config.stateDir, "work", context.runId, taskId);
}

function taskRef(config: Config, task: Task): TaskRef {
  const title = task.kind === "run" ? `run ${task.host ? "on the host" : "in the stage"}`
    : task.kind === "server" ? `build @world of server ${task.server}` : `${task.kind} ${task.atom}`;
  return { id: task.id, kind: task.kind, title, origin: `${task.origin.file}:${task.origin.line}`, retries: task.retries ?? configRetries(config) };
}

/** A task's own `retries` wins over the config's. */
function configRetries(config: Config): number {
  return config.retries ?? DEFAULT_RETRIES;
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
  /** The task's own memory_max, bytes; absent: the config's. */
  memoryMax?: number | undefined;
  /** A `server:` task's server, whose /etc/portage and world replace the admin's. */
  server?: PlannedServer;
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
  /** One command instead of a login shell. */
  command?: string[];
  /** Enter as this build saw it (a kept failed container): its binds and its /etc/portage. */
  build?: BuildView;
}

/** What a build's container was given, as kept beside a failed one (src/stage/kept-failed-select.ts). */
export interface BuildView {
  binds: BindMount[];
  etcPortage: EtcPortageCopy;
  workDir: string;
  portageLogDir: string;
}

export function planShell(input: PlanInput, target: ShellTarget): ContainerStep {
  const task: TaskRef = { id: "shell", kind: "run", title: `shell in ${target.directory}`, origin: input.config.file, retries: 0 };
  const step = containerStep(stepContext(input), 0, task, { command: target.command ?? ["/bin/bash", "--login"], persist: false, shell: target });
  return target.build ? asBuild(step, target.build) : step;
}

/** What a build step's container is given, to keep beside it. */
export function buildViewOf(step: ContainerStep): BuildView {
  return { binds: step.spec.binds, etcPortage: step.etcPortage, workDir: step.workDir, portageLogDir: step.portageLogDir };
}

/**
 * The build's binds in the build's order, except that its work files (the etc_portage copy, the script)
 * and its log directory, gone with its run, are this container's own fresh ones.
 */
function asBuild(step: ContainerStep, build: BuildView): ContainerStep {
  const ownOf = (view: { workDir: string; portageLogDir: string }) => (bind: BindMount): boolean =>
    bind.from === view.portageLogDir || bind.from.startsWith(`${view.workDir}/`);
  const fresh = new Map(step.spec.binds.filter(ownOf(step)).map((bind) => [bind.to, bind]));
  const binds = build.binds.flatMap((bind) => !ownOf(build)(bind) ? [bind] : fresh.has(bind.to) ? [fresh.get(bind.to) as BindMount] : []);
  const spec: ContainerSpec = { ...step.spec, binds };
  // The build's job pool ended with its run: a shell's emerge must not wait for tokens from it.
  const { jobserver: _pool, ...etcPortage } = build.etcPortage;
  return { ...step, etcPortage: { ...etcPortage, to: step.etcPortage.to }, spec, argv: renderContainerArgv(spec) };
}

function containerStep(context: StepContext, index: number, task: TaskRef, work: ContainerWork): ContainerStep {
  const { config } = context;
  const workDir = workDirOf(context, task.id);
  const portageLogDir = path.join(context.logDir, `${task.id}.portage`);
  const jobserver = planJobserver(config, task, work.shell !== undefined, workDir);
  const etcPortage: EtcPortageCopy = {
    from: work.server ? serverEtcPortage(work.server) : config.etcPortage, to: path.join(workDir, "etc-portage"), portageFiles: work.task ? portageFiles(work.task) : [], trust: trustedKey(config),
    stageBinrepos: config.stageBinrepos && !work.server ? path.join(config.stage, "etc/portage/binrepos.conf") : null,
    ...(work.server ? { server: work.server } : {}),
    ...(jobserver ? { jobserver: jobserver.files } : {}),
  };
  // Only containers that build for PKGDIR sign: not the sync, not a person's shell.
  const signing = config.signing && task.kind !== "sync" && !work.shell ? planSigning(config.signing, workDir) : null;
  const binds: BindMount[] = [
    { from: config.portageRepo, to: config.portageRepoLocation, writable: work.repoWritable ?? false },
    { from: config.pkgdir, to: config.pkgdirLocation, writable: true },
    ...(config.distdir !== null ? [{ from: config.distdir, to: config.distdirLocation, writable: true }] : []),
    { from: etcPortage.to, to: "/etc/portage", writable: false },
    ...(work.server ? serverBinds(work.server) : []),
    { from: portageLogDir, to: PORTAGE_LOG_IN_CONTAINER, writable: true },
    ...config.binds,
    ...(signing ? signingBinds(signing) : []),
    ...(jobserver ? [jobserver.bind] : []),
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
    ...memoryMaxOf(work.memoryMax ?? config.memoryMax),
  };
  return {
    kind: "container", task, persist: work.persist, transaction, signing, workDir, logFile: path.join(context.logDir, `${task.id}.log`),
    keepFailed: work.persist || work.shell || task.kind === "sync" ? null : planKeepFailed(config, context.host),
    files, etcPortage, portageLogDir, spec, argv: renderContainerArgv(spec),
    ...expectedVariant(work.task),
    ...(jobserver ? { jobserver: jobserver.step } : {}),
  };
}

function memoryMaxOf(bytes: number | null | undefined): Pick<ContainerSpec, "memoryMax"> {
  return bytes ? { memoryMax: bytes } : {};
}

/** The command line of a container: nspawn's argv, behind the parent-death signal where it can be had. */
export function renderContainerArgv(spec: ContainerSpec): string[] {
  return [...parentDeathSignal(spec), ...renderNspawnArgv(spec)];
}

/** Only an install names one package to build; an upgrade may rightly build nothing (already up to date). */
function expectedVariant(task: BuildTask | undefined): Pick<ContainerStep, "variant"> {
  const variant = task?.kind === "install" ? planVariantRequest(task.atom, task.modifiers.use) : null;
  return variant ? { variant } : {};
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
  const workDir = workDirOf(context, task.id);
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
