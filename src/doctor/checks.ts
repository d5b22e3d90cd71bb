// The doctor's judgement: facts in, findings out. Pure: every fact comes in through DoctorFacts.
import { quoteWord } from "../plan/render-plan.js";
import { checkBinds } from "./binds.js";
import { checkMemoryLimitFacts } from "./memory-limit.js";
import { checkJobPool } from "./job-pool.js";
import { checkSigning } from "./signing.js";
import type { DoctorFacts, PathKind, StageFacts, WritableDirFacts } from "./facts.js";
import type { Finding } from "./finding.js";
import { checkBinrepos, checkEtcPortage, checkMultiInstance, checkPortageRepo } from "./portage-checks.js";

export type { Finding, FindingLevel } from "./finding.js";

// --pipe appeared in systemd 247 (systemd-nspawn(1)); without it containers hang at a read-only console.
export const MIN_NSPAWN_VERSION = 247;

export function checkAll(facts: DoctorFacts): Finding[] {
  return [
    ...checkNspawn(facts),
    ...checkStage(facts.stage, facts.configFile),
    ...checkWritableDir("pkgdir", facts.pkgdir, facts.configFile),
    ...(facts.distdir ? checkWritableDir("distdir", facts.distdir, facts.configFile) : []),
    ...checkWritableDir("state_dir", facts.stateDir, facts.configFile),
    ...checkPortageRepo(facts),
    ...checkEtcPortage(facts),
    ...checkBinds(facts.binds ?? [], facts.configFile),
    ...checkMultiInstance(facts),
    ...checkBinrepos(facts),
    ...checkSigning(facts.signing ?? null, facts.configFile),
    ...(facts.memoryLimit ? checkMemoryLimitFacts(facts.memoryLimit, facts.configFile) : []),
    ...checkJobPool(facts.jobPool ?? null, facts.etcPortage.makeConf),
  ];
}

export function checkNspawn(facts: Pick<DoctorFacts, "nspawn">): Finding[] {
  const { path, version } = facts.nspawn;
  const subject = "systemd-nspawn";
  if (path === null) {
    return [{ level: "problem", subject, message: "not found in PATH; binpkgbot runs every task in a systemd-nspawn container",
      fix: "install it: apt-get install systemd-container (Debian, Ubuntu), emerge sys-apps/systemd (Gentoo), dnf install systemd-container (Fedora)" }];
  }
  if (version === null) {
    return [{ level: "warning", subject, message: `${path} did not tell its version; binpkgbot needs ${MIN_NSPAWN_VERSION} or newer for --pipe`,
      fix: `check by hand: ${path} --version` }];
  }
  if (version < MIN_NSPAWN_VERSION) {
    return [{ level: "problem", subject, message: `${path} is systemd ${version}; binpkgbot needs ${MIN_NSPAWN_VERSION} or newer for --pipe (without it containers hang at a read-only console)`,
      fix: `upgrade systemd to ${MIN_NSPAWN_VERSION} or newer` }];
  }
  return [{ level: "ok", subject, message: `${path}, systemd ${version} (--pipe needs ${MIN_NSPAWN_VERSION})` }];
}

export function checkStage(stage: StageFacts, configFile: string): Finding[] {
  const subject = "stage";
  const init = `binpkgbot stage init --from stage3-….tar.xz -c ${quoteWord(configFile)}`;
  switch (stage.kind) {
    case "missing":
      return checkMissingStage(stage, configFile, init);
    case "dangling-symlink":
      return [{ level: "problem", subject, message: `${stage.path} is a symlink to ${stage.symlinkTarget ?? "?"}, which does not exist`,
        fix: `point it at an existing stage (ln -sfn TARGET ${quoteWord(stage.path)}), or remove it and run: ${init}` }];
    case "symlink-loop":
      return [{ level: "problem", subject, message: `${stage.path} is a loop of symlinks (it points at ${stage.symlinkTarget ?? "?"})`,
        fix: `point it at an existing stage (ln -sfn TARGET ${quoteWord(stage.path)}), or remove it and run: ${init}` }];
    case "not-directory":
      return [{ level: "problem", subject, message: `${stage.path} is not a directory`, fix: `set 'stage' in ${configFile} to the stage directory, or remove ${quoteWord(stage.path)} and run: ${init}` }];
    case "directory":
      return [...checkStageDirectory(stage, configFile, init), ...checkStageParent(stage)];
  }
}

// Beside the stage: its lock file (every run), and STAGE.generations (every persisting task on btrfs).
function checkStageParent(stage: StageFacts): Finding[] {
  const parent = stage.parent;
  if (parent === undefined || parent.writable) return [];
  return [{ level: "problem", subject: "stage", message: `${parent.path}, the directory of the stage, is not writable: every run writes the stage's lock there, and persisting tasks its generations`,
    fix: `make it writable (ls -ld ${quoteWord(parent.path)}; findmnt -T ${quoteWord(parent.path)}), or move the stage into a writable directory` }];
}

/**
 * Everything `stage init` will need, in one report: the parent directory (it must exist) and its
 * filesystem (btrfs, unless --force-non-btrfs), as src/stage/init-from-tarball.ts checks them.
 */
function checkMissingStage(stage: StageFacts, configFile: string, init: string): Finding[] {
  const subject = "stage";
  const parent = stage.parent;
  if (parent === undefined || parent.kind === "directory") {
    return [{ level: "problem", subject, message: `${stage.path} does not exist`, fix: `create it from a stage3 tarball: ${init}` }, ...stageFilesystem(stage, configFile)];
  }
  if (parent.kind !== "missing") {
    return [{ level: "problem", subject, message: `${stage.path} does not exist, and its parent ${parent.path} is not a directory`,
      fix: `set 'stage' in ${configFile} to a path in a directory, or remove ${parent.path}; then: ${init}` }];
  }
  return [{ level: "problem", subject, message: `${stage.path} does not exist, nor its parent ${parent.path}`,
    fix: `mkdir -p ${quoteWord(parent.path)} && ${init}` }, ...stageFilesystem(stage, configFile)];
}

function stageFilesystem(stage: StageFacts, configFile: string): Finding[] {
  const parent = stage.parent;
  if (parent === undefined || parent.filesystem === "btrfs") return [];
  const where = parent.kind === "missing" ? `${parent.existingAncestor ?? "its nearest existing ancestor"}, where ${parent.path} would go,` : parent.path;
  return [{ level: "warning", subject: "stage filesystem",
    message: `${where} is on ${parent.filesystem ?? "an unknown filesystem"}, not btrfs: stage init refuses it without --force-non-btrfs, and there every throw-away container is a full copy of the stage`,
    fix: `set 'stage' in ${configFile} to a path on a btrfs filesystem, or accept the cost: add --force-non-btrfs to stage init` }];
}

function checkStageDirectory(stage: StageFacts, configFile: string, init: string): Finding[] {
  const subject = "stage";
  const where = stage.symlinkTarget === null ? stage.path : `${stage.path} (a symlink to ${stage.symlinkTarget})`;
  if (!stage.hasUsr) {
    return [{ level: "problem", subject, message: `${where} has no usr/: it is not an OS tree, and systemd-nspawn refuses it`,
      fix: `set 'stage' in ${configFile} to an unpacked stage3/stage4, or make one: ${init}` }];
  }
  if (stage.filesystem !== "btrfs") {
    return [{ level: "warning", subject, message: `${where} is on ${stage.filesystem ?? "an unknown filesystem"}, not btrfs: every throw-away container is a full copy of the stage (slow, and as large as the stage), and the stage cannot be snapshotted`,
      fix: `put the stage on btrfs: set 'stage' in ${configFile} to a path on a btrfs filesystem and run: ${init}` }];
  }
  if (!stage.subvolume) {
    const dir = stage.symlinkTarget ?? stage.path;
    const sh = (suffix: string): string => quoteWord(`${dir}${suffix}`);
    return [{ level: "warning", subject, message: `${where} is on btrfs but is a plain directory, not a subvolume: it cannot be snapshotted, so every throw-away container copies it`,
      fix: `turn it into a subvolume: btrfs subvolume create ${sh(".new")} && cp -a --reflink=always ${sh("/.")} ${sh(".new/")} && mv ${sh("")} ${sh(".old")} && mv ${sh(".new")} ${sh("")}` }];
  }
  return [{ level: "ok", subject, message: `${where} is a btrfs subvolume` }];
}

export function checkWritableDir(key: string, dir: WritableDirFacts, configFile: string): Finding[] {
  const on = dir.filesystem === null ? "" : ` (on ${dir.filesystem})`;
  const elsewhere = `or set '${key}' in ${configFile} to a writable directory`;
  switch (dir.kind) {
    case "directory":
      if (!dir.writable) {
        return [{ level: "problem", subject: key, message: `${dir.path}${on} is not writable (a read-only mount or its permissions)`,
          fix: `make it writable (ls -ld ${quoteWord(dir.path)}; findmnt -T ${quoteWord(dir.path)}) ${elsewhere}` }];
      }
      return [...tmpfsWarning(key, dir), { level: "ok", subject: key, message: `${dir.path} is writable${on}` }];
    case "missing":
      if (!dir.writable) {
        return [{ level: "problem", subject: key, message: `${dir.path} does not exist and cannot be created: ${dir.existingAncestor ?? "its parent"} is not writable`,
          fix: `create it: mkdir -p ${quoteWord(dir.path)} (as a user who may), ${elsewhere}` }];
      }
      return [...tmpfsWarning(key, dir), { level: "ok", subject: key, message: `${dir.path} does not exist yet; binpkgbot run creates it${on}` }];
    case "dangling-symlink":
    case "symlink-loop":
    case "not-directory":
      return [{ level: "problem", subject: key, message: `${dir.path} is not a directory${KIND_NOTE[dir.kind] ?? ""}`,
        fix: `remove it (rm ${quoteWord(dir.path)}), ${elsewhere}` }];
  }
}

const KIND_NOTE: Partial<Record<PathKind, string>> = { "dangling-symlink": " (a symlink to nothing)", "symlink-loop": " (a loop of symlinks)" };

// Binpkgs and logs on a tmpfs vanish at the next reboot.
function tmpfsWarning(key: string, dir: WritableDirFacts): Finding[] {
  if (dir.filesystem !== "tmpfs" || key === "distdir") return [];
  return [{ level: "warning", subject: key, message: `${dir.path} is on tmpfs: what binpkgbot writes there is lost at the next reboot`,
    fix: `set '${key}' to a directory on a disk` }];
}
