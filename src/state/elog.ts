// Portage's elog `save` files: what ebuilds said with elog/ewarn/eerror/eqawarn, per package.
//
// lib/portage/elog/mod_save.py writes one file per package and merge,
// `<elogdir>/<cat>:<pf>:<YYYYMMDD-HHMMSS>.log` (UTC), or `<elogdir>/<cat>/<pf>:<…>.log` with
// FEATURES=split-elog. Its text comes from `_combine_logentries` in lib/portage/elog/__init__.py:
// for each phase, a `CLASS: phase` line whenever the class changes, then the message lines.
// mod_save_summary.py appends every package to `<elogdir>/summary.log`, which is not read here.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

export type ElogClass = "info" | "log" | "warn" | "error" | "qa";

export interface ElogMessage {
  /** cat/pf, e.g. app-misc/hello-1.0-r1 */
  package: string;
  class: ElogClass;
  /** The ebuild phase that logged it: postinst, setup, other, … */
  phase: string;
  text: string;
}

export interface ElogFile {
  /** Relative to the elog directory. */
  file: string;
  package: string;
  /** When Portage saved it (UTC, second precision). */
  savedAt: Date;
  messages: ElogMessage[];
  /** Lines outside any section; Portage never writes them, so they hint at a file from elsewhere. */
  issues: { line: number; message: string }[];
}

const FILE_NAME = /^(?:([^/:]+):|([^/:]+)\/)([^/:]+):(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})\.log$/;
const SECTION = /^(INFO|LOG|WARN|ERROR|QA): ([A-Za-z_]+)$/;

/** `cat:pf:20261126-031500.log` or `cat/pf:20261126-031500.log` → package and time; null for other names. */
export function parseElogFileName(name: string): { package: string; savedAt: Date } | null {
  const match = FILE_NAME.exec(name);
  if (!match) return null;
  const [, flatCategory, splitCategory, pf, year, month, day, hour, minute, second] = match;
  const number = (text: string | undefined): number => Number(text);
  return {
    package: `${flatCategory ?? splitCategory}/${pf}`,
    savedAt: new Date(Date.UTC(number(year), number(month) - 1, number(day), number(hour), number(minute), number(second))),
  };
}

/** Parses the text of one save file: one message per section, its lines joined, trailing blank lines dropped. */
export function parseElogText(packageName: string, text: string): Pick<ElogFile, "messages" | "issues"> {
  const messages: ElogMessage[] = [];
  const issues: ElogFile["issues"] = [];
  let current: { message: ElogMessage; lines: string[] } | undefined;
  const flush = (): void => {
    if (current) messages.push({ ...current.message, text: current.lines.join("\n").replace(/\n+$/, "") });
  };
  for (const [index, line] of text.split("\n").entries()) {
    const section = SECTION.exec(line);
    if (section) {
      flush();
      const [, kind = "", phase = ""] = section;
      current = { message: { package: packageName, class: kind.toLowerCase() as ElogClass, phase, text: "" }, lines: [] };
    } else if (current) current.lines.push(line);
    else if (line !== "") issues.push({ line: index + 1, message: "text before the first 'CLASS: phase' line is not part of any message" });
  }
  flush();
  return { messages, issues };
}

/**
 * Reads every save file under `dir` (flat and split-elog layouts), in name order.
 * A missing directory means no messages: Portage creates it only when a package logs something.
 */
export async function readElogDir(dir: string): Promise<ElogFile[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isFile()) names.push(entry.name);
    else if (entry.isDirectory()) {
      for (const inner of await readdir(path.join(dir, entry.name), { withFileTypes: true })) {
        if (inner.isFile()) names.push(`${entry.name}/${inner.name}`);
      }
    }
  }
  const files: ElogFile[] = [];
  for (const name of names.sort()) {
    const parsed = parseElogFileName(name);
    if (!parsed) continue;
    const text = await readFile(path.join(dir, name), "utf8");
    files.push({ file: name, ...parsed, ...parseElogText(parsed.package, text) });
  }
  return files;
}
