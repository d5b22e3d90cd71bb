// Runs the coverage check of each server in its own throw-away container of the stage, several at
// once, and leaves nothing behind: each server's work directory goes when its container has exited.
import { lstat, mkdir, readdir, readFile, readlink, rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import type { Config, Server } from "../config/config.js";
import { hashText } from "../config/tasks.js";
import { runContainer, withoutNspawnNoise } from "../container/run-container.js";
import type { Exec } from "../exec/exec.js";
import { parseProfilesDesc } from "../portage/profile-files.js";
import { parsePretendOutput } from "../portage/pretend-output.js";
import { summarizeServer, type ServerCoverage } from "./coverage-report.js";
import { coverageEtcPortage, coverageVarLibPortage, planCoverageContainer, type CoverageWork } from "./plan-coverage.js";
import { layOutServerFiles, noReportReason, readServerFiles } from "./server-files.js";
import type { ReportFacts } from "../report/report-facts.js";
import { ownStageReason, portageFacts, type PortageFacts } from "./stage-match.js";

export interface CoverageDeps {
  exec: Exec;
  systemdPid1: boolean;
  /** Names this check's work directories. */
  runId: string;
  signal?: AbortSignal;
  /** Containers at once; default: the host's CPU count. */
  concurrency?: number;
}

export async function checkCoverage(config: Config, servers: readonly Server[], deps: CoverageDeps): Promise<ServerCoverage[]> {
  const stageFacts = await readFacts(config.etcPortage, config.portageRepo);
  const results: ServerCoverage[] = new Array<ServerCoverage>(servers.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < servers.length; index = next++) {
      const server = servers[index] as Server;
      results[index] = await checkServer(config, server, stageFacts, { ...deps, index }).catch((error: unknown) => ({
        server: server.name, status: "error" as const, message: error instanceof Error ? error.message : String(error),
      }));
    }
  };
  const width = Math.max(1, Math.min(deps.concurrency ?? availableParallelism(), servers.length));
  try {
    await Promise.all(Array.from({ length: width }, worker));
  } finally {
    await rm(coverageWorkRoot(config, deps.runId), { recursive: true, force: true });
  }
  return results;
}

async function checkServer(config: Config, server: Server, stageFacts: PortageFacts, deps: CoverageDeps & { index: number }): Promise<ServerCoverage> {
  const files = await readServerFiles(config.stateDir, server);
  if (!files) return { server: server.name, status: "error", message: noReportReason(config.stateDir, server.name) };
  const own = ownStageReason(stageFacts, await readFacts(files.etcPortage, config.portageRepo, files.facts));
  if (own) return { server: server.name, status: "own-stage", reason: own };
  const work: CoverageWork = {
    workDir: path.join(coverageWorkRoot(config, deps.runId), server.name),
    machine: `binpkgbot-cov-${hashText(`${config.stage}\n${server.name}`, 8)}-${process.pid}`,
    systemdPid1: deps.systemdPid1,
  };
  try {
    await mkdir(path.dirname(work.workDir), { recursive: true, mode: 0o700 });
    await mkdir(work.workDir, { mode: 0o700 });
    await layOutServerFiles({ etcPortage: coverageEtcPortage(work), varLib: coverageVarLibPortage(work) }, files, server.sets);
    const result = await runContainer(deps.exec, planCoverageContainer(config, work), { ...(deps.signal ? { signal: deps.signal } : {}) });
    const stderr = withoutNspawnNoise(result.stderr);
    const tail = stderr.trim().split("\n").slice(-3).join(" | ");
    return summarizeServer(server.name, server.ignore, parsePretendOutput(`${result.stdout}\n${stderr}`), result.code ?? 1, tail);
  } finally {
    await rm(work.workDir, { recursive: true, force: true });
  }
}

function coverageWorkRoot(config: Config, runId: string): string {
  return path.join(config.stateDir, "work", `coverage-${runId}`);
}

async function readFacts(etcPortage: string, repo: string, reported?: ReportFacts): Promise<PortageFacts> {
  const [ownLink, makeConf, profiles] = await Promise.all([
    readlink(path.join(etcPortage, "make.profile")).catch(() => null),
    readMakeConf(path.join(etcPortage, "make.conf")),
    readFile(path.join(repo, "profiles", "profiles.desc"), "utf8").catch(() => ""),
  ]);
  const reportedLink = reported?.links.find((link) => link.path === "etc/portage/make.profile")?.target;
  const facts = portageFacts(ownLink ?? reportedLink ?? null, makeConf, parseProfilesDesc(profiles));
  // What emerge --info said on the server itself beats what its files let us guess.
  const info = reported?.emergeInfo.ok ? reported.emergeInfo : null;
  return { ...facts, arch: info?.arch ?? facts.arch, chost: info?.chost ?? facts.chost };
}

/** make.conf may be a directory (man portage.5): its files in lexical order. */
async function readMakeConf(file: string): Promise<string> {
  const info = await lstat(file).catch(() => null);
  if (!info) return "";
  if (!info.isDirectory()) return readFile(file, "utf8").catch(() => "");
  const names = (await readdir(file)).filter((name) => !name.startsWith(".") && !name.endsWith("~")).sort();
  const texts = await Promise.all(names.map((name) => readFile(path.join(file, name), "utf8").catch(() => "")));
  return texts.join("\n");
}
