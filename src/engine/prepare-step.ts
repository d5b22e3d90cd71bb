// Lays out what a step needs on the host before its container starts: the work directory, the copy of
// etc_portage with the task's package.* files (a `server:` task's: that server's files), scripts, and the log directories.
import { chmod, cp, lstat, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { EtcPortageCopy, JobserverFiles, PlannedServer, Step } from "../plan/plan.js";
import { portageFileName } from "../portage/package-files.js";
import type { Exec } from "../exec/exec.js";
import { copyTree } from "./copy-tree.js";
import { prepareSigning, TrustedKeyrings } from "./prepare-signing.js";

/** A step could not be prepared on the host; the message names the path and what to do. */
export class PrepareError extends Error {
  override readonly name = "PrepareError";
}

const ADMIN_CONTENT_NAME = "00-etc-portage";

export async function prepareStep(step: Step, exec: Exec, keyrings: TrustedKeyrings): Promise<void> {
  await Promise.all([mkdir(step.workDir, { recursive: true, mode: 0o700 }), mkdir(path.dirname(step.logFile), { recursive: true })]);
  const copies = step.kind === "container" ? [mkdir(step.portageLogDir, { recursive: true }), copyEtcPortage(step.etcPortage)] : [];
  await Promise.all([...copies, ...step.files.map(async (file) => {
    await mkdir(path.dirname(file.path), { recursive: true });
    await writeFile(file.path, file.text, { mode: file.mode });
    await chmod(file.path, file.mode);
  })]);
  if (step.kind === "container") await prepareSigning(step, exec, keyrings);
}

export async function removeWorkDir(step: Step): Promise<void> {
  await rm(step.workDir, { recursive: true, force: true });
}

async function copyEtcPortage(copy: EtcPortageCopy): Promise<void> {
  if (copy.server) await copyServerFiles(copy.server, copy.to);
  else await copyAdminFiles(copy);
  for (const file of copy.portageFiles) await addPortageFile(copy.to, file.name, file.file, file.text);
  if (copy.jobserver) await addJobserverFiles(copy.to, copy.jobserver);
}

async function copyAdminFiles(copy: EtcPortageCopy): Promise<void> {
  const info = await lstat(copy.from).catch(() => null);
  if (!info?.isDirectory()) {
    throw new PrepareError(`etc_portage ${copy.from} is not a directory: point etc_portage at your build /etc/portage`);
  }
  await copyTree(copy.from, copy.to);
  if (copy.stageBinrepos) await addStageBinrepos(copy.stageBinrepos, path.join(copy.to, "binrepos.conf"));
}

/**
 * make.conf(5): "If make.conf is a directory, then all the files in that directory will be sorted in
 * ascending alphabetical order by file name and summed together as if it were a single file", so the
 * pool's lines come after the admin's, as a task's package.X lines do. bashrc is one file: appended.
 */
async function addJobserverFiles(root: string, files: JobserverFiles): Promise<void> {
  await addPortageFile(root, "make.conf", `make.conf/${portageFileName}`, files.makeConf);
  const bashrc = path.join(root, "bashrc");
  await replaceSymlinkByCopy(bashrc);
  const before = await readFile(bashrc, "utf8").catch(() => "");
  await writeFile(bashrc, `${before}${before === "" || before.endsWith("\n") ? "" : "\n"}${files.bashrc}`);
}

/** A `server:` task's /etc/portage and world: the admin's copies, or the server's last report. */
async function copyServerFiles(server: PlannedServer, to: string): Promise<void> {
  const source = server.copies ? { name: server.name, report: false as const, ...server.copies } : { name: server.name, report: true as const };
  // Only server tasks need the reports' readers: loaded here, not at every run's start.
  const { layOutServerFiles, noReportReason, readServerFiles } = await import("../coverage/server-files.js");
  const files = await readServerFiles(server.stateDir, source);
  if (!files) throw new PrepareError(`server ${server.name}: ${noReportReason(server.stateDir, server.name)}`);
  await layOutServerFiles({ etcPortage: to, varLib: server.varLib }, files, server.sets).catch((error: unknown) => {
    throw new PrepareError(`server ${server.name}: ${(error as Error).message}`, { cause: error });
  });
}

/** The stage's own binhost configuration (stage_binrepos), unless the admin's etc_portage has one. */
async function addStageBinrepos(from: string, to: string): Promise<void> {
  if (await lstat(to).then(() => true, () => false)) return;
  const info = await lstat(from).catch(() => null);
  if (info?.isDirectory()) await copyTree(from, to);
  else if (info?.isFile()) await cp(from, to);
}

/**
 * Portage reads package.X as a file or, recursively, as a directory (man portage.5), so a task's lines
 * go into a file of their own named to sort last; an admin's plain file moves into the new directory.
 */
async function addPortageFile(root: string, name: string, file: string, text: string): Promise<void> {
  const target = path.join(root, name);
  await replaceSymlinkByCopy(target);
  const info = await lstat(target).catch(() => null);
  if (info?.isFile()) {
    const moved = `${target}.binpkgbot-moving`;
    await rename(target, moved);
    await mkdir(target);
    await rename(moved, path.join(target, ADMIN_CONTENT_NAME));
  } else if (!info) {
    await mkdir(target);
  }
  await writeFile(path.join(root, file), text);
}

/** A symlink in the copy may point into the admin's own files: replace it by a copy of what it points at. */
async function replaceSymlinkByCopy(target: string): Promise<void> {
  if (!(await lstat(target).catch(() => null))?.isSymbolicLink()) return;
  const resolved = `${target}.binpkgbot-resolving`;
  await cp(target, resolved, { recursive: true, dereference: true });
  await rm(target);
  await rename(resolved, target);
}
