// Reads what the doctor judges: the host, the paths of the config and the Portage files in them.
// Reading never fails on a broken set-up: a missing or odd path becomes a fact.
import { readBindFacts } from "./binds.js";
import { readJobPoolFacts } from "./job-pool.js";
import { readKind } from "./read-path-kind.js";
import { readMemoryLimitFacts } from "./memory-limit.js";
import { readSigningFacts } from "./signing.js";
import { access, constants, lstat, readdir, readFile, realpath, readlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Config } from "../config/config.js";
import { isSubvolume, readFilesystemType } from "../container/filesystem.js";
import { probeHost } from "../container/host.js";
import type { Exec } from "../exec/exec.js";
import type { DoctorFacts, EtcPortageFacts, RepoFacts, StageFacts, TextFile, WritableDirFacts } from "./facts.js";

export interface ReadFactsDeps {
  exec: Exec;
  env: NodeJS.ProcessEnv;
}

export async function readDoctorFacts(config: Config, deps: ReadFactsDeps): Promise<DoctorFacts> {
  const host = await probeHost({ exec: deps.exec, path: deps.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" });
  return {
    configFile: config.file,
    nspawn: { path: host.nspawnPath, version: host.nspawnVersion },
    stage: await readStage(config.stage),
    pkgdir: await readWritableDir(config.pkgdir),
    distdir: config.distdir === null ? null : await readWritableDir(config.distdir),
    stateDir: await readWritableDir(config.stateDir),
    portageRepo: await readRepo(config.portageRepo),
    etcPortage: await readEtcPortage(config.etcPortage),
    binds: await readBindFacts(config.binds, config.stage),
    buildAtoms: config.tasks.flatMap((task) => (task.kind === "run" || task.kind === "server" ? [] : [task.atom])),
    emergeOptions: config.emergeOptions,
    syncEnabled: config.sync.kind !== "none",
    signing: config.signing ? await readSigningFacts(config.signing, deps.exec) : null,
    memoryLimit: await readMemoryLimitFacts(config.memoryMax ?? null, host.systemdPid1),
    jobPool: config.buildJobs ? await readJobPoolFacts(config.buildJobs, config.stage) : null,
  };
}

const isWritable = (path: string): Promise<boolean> => access(path, constants.W_OK).then(() => true, () => false);
const filesystemOf = (path: string): Promise<string | null> => readFilesystemType(path).catch(() => null);

export async function readWritableDir(path: string): Promise<WritableDirFacts> {
  const kind = await readKind(path);
  if (kind !== "missing") {
    return { path, kind, writable: kind === "directory" && (await isWritable(path)), existingAncestor: null, filesystem: await filesystemOf(path) };
  }
  let ancestor = dirname(path);
  while (ancestor !== dirname(ancestor) && (await readKind(ancestor)) === "missing") ancestor = dirname(ancestor);
  const usable = (await readKind(ancestor)) === "directory" && (await isWritable(ancestor));
  return { path, kind, writable: usable, existingAncestor: ancestor, filesystem: await filesystemOf(ancestor) };
}

export async function readStage(path: string): Promise<StageFacts> {
  const kind = await readKind(path);
  const link = await lstat(path).catch(() => null);
  const symlinkTarget = link?.isSymbolicLink()
    ? await realpath(path).catch(() => readlink(path).catch(() => null))
    : null;
  const facts: StageFacts = { path, kind, symlinkTarget, filesystem: null, subvolume: false, hasUsr: false, binrepos: [] };
  facts.parent = await readWritableDir(dirname(path));
  if (kind !== "directory") return facts;
  const dir = symlinkTarget ?? path;
  facts.filesystem = await filesystemOf(dir);
  facts.subvolume = await isSubvolume(dir).catch(() => false);
  facts.hasUsr = (await readKind(join(dir, "usr"))) === "directory";
  facts.binrepos = (await readPortageConfig(join(dir, "etc/portage/binrepos.conf"))) ?? [];
  return facts;
}

export async function readRepo(path: string): Promise<RepoFacts> {
  const kind = await readKind(path);
  if (kind !== "directory") return { path, kind, repoName: null, hasMetadataDir: false };
  const repoName = await readFile(join(path, "profiles/repo_name"), "utf8").then((text) => text.trim(), () => null);
  return { path, kind, repoName, hasMetadataDir: (await readKind(join(path, "metadata"))) === "directory" };
}

export async function readEtcPortage(path: string): Promise<EtcPortageFacts> {
  const kind = await readKind(path);
  if (kind !== "directory") return { path, kind, makeConf: null, binrepos: [] };
  return {
    path, kind,
    makeConf: await readPortageConfig(join(path, "make.conf")),
    binrepos: (await readPortageConfig(join(path, "binrepos.conf"))) ?? [],
  };
}

/**
 * A Portage config file in file or directory form; null when absent. A directory is read
 * recursively in sorted order, skipping names that start with "." or end with "~"
 * (lib/portage/util/__init__.py _recursive_file_list).
 */
export async function readPortageConfig(path: string): Promise<TextFile[] | null> {
  const kind = await readKind(path);
  if (kind === "missing" || kind === "dangling-symlink" || kind === "symlink-loop") return null;
  // An unreadable file counts as empty rather than stopping the whole report.
  if (kind === "not-directory") return [{ path, text: await readFile(path, "utf8").catch(() => "") }];
  const files: TextFile[] = [];
  const names = (await readdir(path)).filter((name) => !name.startsWith(".") && !name.endsWith("~")).sort();
  for (const name of names) files.push(...((await readPortageConfig(join(path, name))) ?? []));
  return files;
}
