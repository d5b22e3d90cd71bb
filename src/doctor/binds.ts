// The config's bind mounts, checked as systemd-nspawn checks them when a container starts
// (src/nspawn/nspawn-mount.c, mount_bind): it stops with "Failed to stat SOURCE" when the source is
// missing, and refuses a directory bound onto a file in the stage, or a file onto a directory.
import { lstat } from "node:fs/promises";
import path from "node:path";
import type { Bind } from "../config/config.js";
import { quoteWord } from "../plan/render-plan.js";
import { renderFinding, type Finding } from "./finding.js";
import { readKind } from "./read-path-kind.js";

export type BindSourceKind = "directory" | "file" | "missing" | "dangling-symlink" | "symlink-loop";

export interface BindFacts {
  from: string;
  to: string;
  writable: boolean;
  source: BindSourceKind;
  /** What the stage has at `to`: null when nothing (nspawn creates it) or not known. */
  target: "directory" | "file" | null;
}

export async function readBindFacts(binds: readonly Bind[], stage: string): Promise<BindFacts[]> {
  return Promise.all(binds.map(async (bind) => ({
    ...bind,
    source: await readSourceKind(bind.from),
    target: await readTargetKind(path.join(stage, bind.to)),
  })));
}

async function readSourceKind(file: string): Promise<BindSourceKind> {
  const kind = await readKind(file);
  return kind === "not-directory" ? "file" : kind;
}

// A symlink inside the stage resolves against the container's root, not the host's: left to nspawn.
async function readTargetKind(file: string): Promise<BindFacts["target"]> {
  const info = await lstat(file).catch(() => null);
  if (info === null || info.isSymbolicLink()) return null;
  return info.isDirectory() ? "directory" : "file";
}

export function checkBinds(binds: readonly BindFacts[], configFile: string): Finding[] {
  return binds.map((bind) => checkBind(bind, configFile));
}

function checkBind(bind: BindFacts, configFile: string): Finding {
  const subject = `bind ${bind.from}`;
  const mode = bind.writable ? "writable" : "read-only";
  const elsewhere = `or remove the bind from 'binds' in ${configFile}`;
  switch (bind.source) {
    case "symlink-loop":
      return { level: "problem", subject, message: `${bind.from} is a loop of symlinks: systemd-nspawn cannot bind it at ${bind.to}, so no container would start`,
        fix: `replace the loop at ${quoteWord(bind.from)} with the directory or file to bind, ${elsewhere}` };
    case "missing":
    case "dangling-symlink":
      return { level: "problem", subject,
        message: `${bind.from} does not exist${bind.source === "dangling-symlink" ? " (a symlink to nothing)" : ""}: systemd-nspawn cannot bind it at ${bind.to}, so no container would start`,
        fix: `create it (mkdir -p ${quoteWord(bind.from)}, or the file it should be), ${elsewhere}` };
    case "directory":
    case "file":
      if (bind.target !== null && bind.target !== bind.source) {
        return { level: "problem", subject,
          message: `${bind.from} is a ${bind.source}, but the stage has a ${bind.target} at ${bind.to}: systemd-nspawn refuses to bind a ${bind.source} onto a ${bind.target}`,
          fix: `bind it to another path ('to' in 'binds' of ${configFile}), or bind a ${bind.target}` };
      }
      return { level: "ok", subject, message: `a ${bind.source}, bound ${mode} at ${bind.to}` };
  }
}

/** The problems among the binds, one line each, for a run that must not start a container with them. */
export function bindProblems(binds: readonly BindFacts[], configFile: string): string[] {
  return checkBinds(binds, configFile).filter((finding) => finding.level === "problem").map(renderFinding);
}
