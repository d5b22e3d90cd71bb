// With build_jobs: what a container step needs to be on the run's job pool (src/jobserver/).
import path from "node:path";
import type { Config } from "../config/config.js";
import type { BindMount } from "../container/nspawn-argv.js";
import { JOBSERVER_IN_CONTAINER, renderJobserverBashrc, renderJobserverMakeConf } from "../portage/jobserver-conf.js";
import type { JobserverFiles, StepJobserver, TaskRef } from "./plan.js";

export interface PlannedJobserver {
  step: StepJobserver;
  files: JobserverFiles;
  bind: BindMount;
}

/**
 * Every container that may emerge (builds and container scripts) gets a FIFO of its own, in its work
 * directory; the sync compiles nothing, and a person's shell runs outside any run.
 */
export function planJobserver(config: Config, task: TaskRef, shell: boolean, workDir: string): PlannedJobserver | null {
  if (!config.buildJobs || task.kind === "sync" || shell) return null;
  const fifo = path.join(workDir, "jobserver");
  return {
    step: { fifo, tokens: config.buildJobs },
    files: { makeConf: renderJobserverMakeConf(config.buildJobs), bashrc: renderJobserverBashrc() },
    bind: { from: fifo, to: JOBSERVER_IN_CONTAINER, writable: true },
  };
}
