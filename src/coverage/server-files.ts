// A server's /etc/portage and world, laid out for a container of the stage: for `coverage`'s
// question and for a `server:` task's build alike.
import { copyFile, lstat, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Server } from "../config/config.js";
import { readServerReport, recreateOutLinks } from "../report/read-server-report.js";
import type { ReportFacts } from "../report/report-facts.js";
import { serverReportDir } from "../report/store-report.js";
import { copyTree } from "../engine/copy-tree.js";
import { renderWorldSets } from "./plan-coverage.js";

export type ServerFiles = { etcPortage: string; world: string; worldSets?: string; facts?: ReportFacts };

/** Where a server's files are, as much as `readServerFiles` needs of a Server. */
export type ServerSource = { name: string } & ({ report: false; etcPortage: string; world: string } | { report: true });

/**
 * Where a server's /etc/portage and world are: the admin's copies, or the last report it sent
 * (src/report/read-server-report.ts). Undefined for a reporting server that has not reported yet.
 */
export async function readServerFiles(stateDir: string, server: ServerSource): Promise<ServerFiles | undefined> {
  if (!server.report) return { etcPortage: server.etcPortage, world: server.world };
  const report = await readServerReport(stateDir, server.name);
  if (!report?.world) return undefined;
  return { etcPortage: report.etcPortage, world: report.world, facts: report.facts, ...(report.worldSets ? { worldSets: report.worldSets } : {}) };
}

/** Why a reporting server's files are missing, and the fix. */
export function noReportReason(stateDir: string, name: string): string {
  return `no report from it yet in ${serverReportDir(stateDir, name)}: on the server, run binpkgbot report (binpkgbot client-config --report sets it up)`;
}

/** Host directories that become the container's /etc/portage and (its world files) /var/lib/portage. */
export interface ServerDirs {
  etcPortage: string;
  varLib: string;
}

/**
 * The server's /etc/portage (extra set files in sets/) and its world and world_sets, the latter
 * always written (empty without sets) so that the stage's own never count.
 */
export async function layOutServerFiles(dirs: ServerDirs, { etcPortage, world, worldSets, facts }: ServerFiles, sets: Server["sets"]): Promise<void> {
  const info = await lstat(etcPortage).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`etc_portage ${etcPortage} is not a directory: point it at the copy of the server's /etc/portage`);
  await copyTree(etcPortage, dirs.etcPortage);
  if (facts) await recreateOutLinks(facts, dirs.etcPortage);
  await mkdir(dirs.varLib, { recursive: true });
  await copyFile(world, path.join(dirs.varLib, "world")).catch((error: unknown) => {
    throw new Error(`cannot read the world file ${world}: ${(error as Error).message}; point world at the copy of the server's /var/lib/portage/world`, { cause: error });
  });
  const ownSets = worldSets ? await readFile(worldSets, "utf8") : "";
  if (sets.length > 0) {
    const setsDir = path.join(dirs.etcPortage, "sets");
    await mkdir(setsDir, { recursive: true });
    for (const file of sets) await copyFile(file, path.join(setsDir, path.basename(file)));
  }
  await writeFile(path.join(dirs.varLib, "world_sets"), ownSets + renderWorldSets(sets.map((file) => path.basename(file))));
}
