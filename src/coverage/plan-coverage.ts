// The throw-away container that asks Portage about one server: the stage, the server's /etc/portage
// and world instead of the admin's, PKGDIR read-only, and emerge --pretend. Pure.
import path from "node:path";
import type { Config } from "../config/config.js";
import type { BindMount, ContainerSpec } from "../container/nspawn-argv.js";
import { renderContainerArgv } from "../plan/plan-run.js";

/**
 * --emptytree rather than --update: the container's installed packages are the stage's, not the
 * server's, so with --update a package the stage has installed would never show up, binpkg or not;
 * with --emptytree every package of the server's @world (and its dependencies) is one merge-list line.
 * --usepkg rather than --usepkgonly: with --usepkgonly depgraph.py stops at the first package without a
 * fitting binpkg ("there are no binary packages to satisfy", _show_unsatisfied_dep), so it could not list
 * them all; with --usepkg each one is an [ebuild] line, and create_depgraph_params.py turns
 * binpkg_respect_use on ("auto"), which lists the binpkgs passed over for their USE
 * (depgraph.py, _show_ignored_binaries_respect_use).
 */
export const PRETEND_COMMAND = ["emerge", "--pretend", "--emptytree", "--usepkg", "--color=n", "--nospinner", "@world"];

export interface CoverageWork {
  /** The host directory of this server's files: etc-portage/ and var-lib-portage/ (world, world_sets). */
  workDir: string;
  machine: string;
  systemdPid1: boolean;
}

export function coverageEtcPortage(work: CoverageWork): string {
  return path.join(work.workDir, "etc-portage");
}

export function coverageVarLibPortage(work: CoverageWork): string {
  return path.join(work.workDir, "var-lib-portage");
}

/** world_sets (lib/portage/_sets/files.py, WorldSelectedSetsSet): the extra sets, '@NAME' a line. */
export function renderWorldSets(setNames: readonly string[]): string {
  return setNames.map((name) => `@${name}\n`).join("");
}

export function planCoverageContainer(config: Config, work: CoverageWork): ContainerSpec & { argv: string[] } {
  const binds: BindMount[] = [
    { from: config.portageRepo, to: config.portageRepoLocation, writable: false },
    { from: config.pkgdir, to: config.pkgdirLocation, writable: false },
    { from: coverageEtcPortage(work), to: "/etc/portage", writable: false },
    { from: coverageVarLibPortage(work), to: "/var/lib/portage", writable: false },
  ];
  const spec: ContainerSpec = {
    directory: config.stage, ephemeral: true, machine: work.machine, binds,
    env: { PKGDIR: config.pkgdirLocation }, command: PRETEND_COMMAND,
    register: work.systemdPid1, sudo: config.useSudo,
  };
  return { ...spec, argv: renderContainerArgv(spec) };
}
