// Pure: the lines that put a container's Portage on the run's job pool (build_jobs, src/jobserver/).
//
// - make.conf(5) MAKEFLAGS: "Include a --jobserver-auth=fifo:PATH flag to specify the path of the
//   centralized jobserver fifo". GNU make >= 4.4 reads that form (GNU make manual, "POSIX Jobserver
//   Interaction") and every make of every build takes its extra jobs from the FIFO.
// - FEATURES=jobserver-token (portage >= 3.0.74, NEWS; lib/_emerge/Scheduler.py _main_loop and
//   _acquire_job_token): emerge takes a token for each build job. MAKEFLAGS must come from make.conf,
//   not the environment: with MAKEFLAGS in its environment emerge assumes a token was already taken
//   for it (the "implicit slot") and would start one job without a token.
// - With MAKEFLAGS set, Portage's emake and default src_test drop MAKEOPTS (bin/ebuild-helpers/emake,
//   bin/phase-helpers.sh, bug 692576): a -jN on a sub-make's command line makes GNU make leave the
//   jobserver and run its own N jobs ("-jN forced in submake: resetting jobserver mode", GNU make
//   manual, "Communicating Options to a Sub-make"). So the admin's MAKEOPTS no longer applies.
// - FEATURES=sandbox allows writes only to SANDBOX_WRITE paths, and a make opens the FIFO for writing;
//   bin/ebuild.sh's addwrite adds a path for the build, from /etc/portage/bashrc like ccache's directory.

/** Where every container sees its FIFO. */
export const JOBSERVER_IN_CONTAINER = "/run/binpkgbot/jobserver";

export function renderJobserverMakeConf(tokens: number): string {
  return [
    `# binpkgbot: this run's job pool (build_jobs: ${tokens}), shared by every container of the run.`,
    "# emerge takes a token per build job, make takes one per extra job; MAKEOPTS is not used (emake drops it).",
    `MAKEFLAGS="--jobserver-auth=fifo:${JOBSERVER_IN_CONTAINER}"`,
    'FEATURES="${FEATURES} jobserver-token"',
    "",
  ].join("\n");
}

export function renderJobserverBashrc(): string {
  return [
    "# binpkgbot: builds may write the job pool's FIFO under FEATURES=sandbox.",
    `if declare -F addwrite >/dev/null; then addwrite ${JOBSERVER_IN_CONTAINER}; fi`,
    "",
  ].join("\n");
}
