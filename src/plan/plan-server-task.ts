// A `server: NAME` task: in a throw-away container of the stage, everything that server's @world needs,
// built with the server's own /etc/portage and world instead of the admin's. Pure.
import path from "node:path";
import type { Config } from "../config/config.js";
import type { BindMount } from "../container/nspawn-argv.js";
import { serverReportDir } from "../report/reporting-servers.js";
import type { PlannedServer } from "./plan.js";

/** The files of /var/lib/portage that make up @world (lib/portage/_sets/files.py: WorldSelectedSet). */
export const WORLD_FILE_NAMES = ["world", "world_sets"] as const;

/**
 * The question `coverage` asks (src/coverage/plan-coverage.ts, PRETEND_COMMAND), asked for real: with
 * --emptytree every package of the server's @world and its dependencies is merged, from a binpkg where
 * one fits (--usepkg) and built otherwise, also those the stage has installed but PKGDIR lacks, so
 * that afterwards the same question finds nothing to compile. --oneshot (emerge(1)): the world file,
 * bound read-only, is never written.
 */
export function serverEmergeArgv(config: Config): string[] {
  return ["emerge", "--usepkg", ...config.emergeOptions, "--emptytree", "--oneshot", "@world"];
}

/** Validation resolved every `server:` task to a declared server (src/config/server-tasks.ts). */
export function planServer(config: Config, name: string, workDir: string): PlannedServer {
  const server = config.servers?.find((entry) => entry.name === name);
  if (!server) throw new Error(`no server named '${name}' in the config`);
  return {
    name: server.name,
    copies: server.report ? null : { etcPortage: server.etcPortage, world: server.world },
    stateDir: config.stateDir,
    sets: server.sets,
    varLib: path.join(workDir, "var-lib-portage"),
  };
}

/** The directory copied as the container's /etc/portage: the admin's copy, or the one in its last report. */
export function serverEtcPortage(server: PlannedServer): string {
  return server.copies?.etcPortage ?? path.join(serverReportDir(server.stateDir, server.name), "etc", "portage");
}

/** world and world_sets alone, so that the rest of the stage's /var/lib/portage stays as it is. */
export function serverBinds(server: PlannedServer): BindMount[] {
  return WORLD_FILE_NAMES.map((name) => ({ from: path.join(server.varLib, name), to: `/var/lib/portage/${name}`, writable: false }));
}
