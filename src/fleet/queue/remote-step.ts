// Pure: a job planned on the coordinator, made to run on a worker of another host. The plan names the
// coordinator's paths; the worker runs the step on its copy of the target under its store
// (src/fleet/transfer/store-layout.ts): the stage at the generation the job names, its own PKGDIR,
// work and log directories. Every other path of the step (etc_portage, the repository, DISTDIR, the
// config's binds, a server's files, the signing GnuPG home) stays as planned: it must be present at
// that path on the worker (config management or a shared mount), and is listed for the worker to check.
import path from "node:path";
import { renderContainerArgv, stageLockFile } from "../../plan/plan-run.js";
import type { ContainerStep, HostStep, Plan, PlannedStep } from "../../plan/plan.js";
import { stageLayout } from "../../stage/layout-paths.js";
import { targetStore } from "../transfer/store-layout.js";
import type { StepJob } from "./step-job.js";

/** The job with worker-local paths, and the planned paths it still needs as they are (each must exist there). */
export interface RemoteJob {
  job: StepJob;
  shared: SharedPath[];
}

export interface SharedPath {
  /** What the plan uses it for, for the refusal: "etc_portage", "bind /var/db/repos/gentoo". */
  use: string;
  path: string;
}

type Rebase = (file: string) => string;

export function planRemoteJob(job: StepJob, store: string): RemoteJob {
  const local = targetStore(store, job.target);
  const { plan, step } = job;
  const from = stageLayout(plan.stage);
  const to = stageLayout(local.stage);
  const logDir = path.join(local.logs, plan.runId);
  const workDir = path.join(local.work, plan.runId, step.task.id);
  // Longest first: the stage's generations directory before the stage itself.
  const rules: [string, string][] = [
    [from.generationsDir, to.generationsDir], [from.keptFailedDir, to.keptFailedDir], [plan.stage, local.stage],
    [plan.pkgdir, local.pkgdir], [plan.logDir, logDir], [step.workDir, workDir],
  ];
  const rebase: Rebase = (file) => {
    for (const [prefix, replacement] of rules) {
      if (file === prefix) return replacement;
      if (file.startsWith(`${prefix}/`)) return `${replacement}${file.slice(prefix.length)}`;
    }
    return file;
  };
  const localPlan: Plan = { ...plan, stage: local.stage, pkgdir: local.pkgdir, lockFile: stageLockFile(local.stage), logDir, steps: [] };
  const localStep = localizeStep(step, rebase);
  return {
    job: { ...job, plan: { ...localPlan, steps: [localStep] }, step: localStep },
    shared: sharedPaths(localStep, local.pkgdir),
  };
}

function localizeStep(step: PlannedStep, rebase: Rebase): PlannedStep {
  const base = { workDir: rebase(step.workDir), logFile: rebase(step.logFile), files: step.files.map((file) => ({ ...file, path: rebase(file.path) })) };
  if (step.kind === "host") return localizeHostStep(step, base, rebase);
  return localizeContainerStep(step, base, rebase);
}

function localizeHostStep(step: HostStep & PlannedStep, base: Pick<HostStep, "workDir" | "logFile" | "files">, rebase: Rebase): PlannedStep {
  const env = Object.fromEntries(Object.entries(step.env).map(([key, value]) => [key, rebase(value)]));
  return { ...step, ...base, argv: step.argv.map(rebase), env };
}

function localizeContainerStep(step: ContainerStep & PlannedStep, base: Pick<ContainerStep, "workDir" | "logFile" | "files">, rebase: Rebase): PlannedStep {
  const { etcPortage, spec } = step;
  const localSpec = { ...spec, directory: rebase(spec.directory), binds: spec.binds.map((bind) => ({ ...bind, from: rebase(bind.from) })) };
  return {
    ...step, ...base,
    transaction: step.transaction && { ...step.transaction, stage: rebase(step.transaction.stage), generationsDir: rebase(step.transaction.generationsDir), next: rebase(step.transaction.next) },
    keepFailed: step.keepFailed && { ...step.keepFailed, stage: rebase(step.keepFailed.stage), dir: rebase(step.keepFailed.dir) },
    signing: step.signing && { ...step.signing, copy: rebase(step.signing.copy), lockDir: rebase(step.signing.lockDir) },
    etcPortage: {
      ...etcPortage, to: rebase(etcPortage.to), stageBinrepos: etcPortage.stageBinrepos && rebase(etcPortage.stageBinrepos),
      ...(etcPortage.server ? { server: { ...etcPortage.server, varLib: rebase(etcPortage.server.varLib) } } : {}),
    },
    portageLogDir: rebase(step.portageLogDir),
    spec: localSpec,
    argv: renderContainerArgv(localSpec),
    ...(step.jobserver ? { jobserver: { ...step.jobserver, fifo: rebase(step.jobserver.fifo) } } : {}),
  };
}

/**
 * The paths the localized step reads from the host as planned: its etc_portage (or the server's copies
 * and reports), the binds it did not get from the store (repository, DISTDIR, the config's binds), and
 * the signing GnuPG home. Its own work files and log directory are made when it starts, not shared.
 */
function sharedPaths(step: PlannedStep, pkgdir: string): SharedPath[] {
  if (step.kind === "host") return [];
  const own = (file: string): boolean => file === step.portageLogDir || file.startsWith(`${step.workDir}/`) || file === step.workDir;
  const server = step.etcPortage.server;
  const shared: SharedPath[] = [
    ...(server ? [] : [{ use: "etc_portage", path: step.etcPortage.from }]),
    ...(server?.copies ? [{ use: `server ${server.name}'s etc_portage`, path: server.copies.etcPortage }, { use: `server ${server.name}'s world`, path: server.copies.world }] : []),
    ...(server && !server.copies ? [{ use: `server ${server.name}'s reports (state_dir)`, path: server.stateDir }] : []),
    ...step.spec.binds.filter((bind) => !own(bind.from) && bind.from !== pkgdir).map((bind) => ({ use: `bind ${bind.to}`, path: bind.from })),
    ...(step.signing ? [{ use: "signing gnupg_home", path: step.signing.gnupgHome }] : []),
    ...(step.etcPortage.trust ? [{ use: "signing gnupg_home (the key etc_portage trusts)", path: step.etcPortage.trust.gnupgHome }] : []),
  ];
  return shared.filter((entry, index) => shared.findIndex((other) => other.path === entry.path) === index);
}
