// Reads the config's files and walks their task lists, following includes. Each file is read and
// parsed once however often it is included, and includes, their depth, tasks and bytes are bounded
// (limits.ts), so that a config that includes a file twice at every level costs linear, not
// exponential, work and prints a bounded number of problems.
import path from "node:path";
import type { Task, TaskOrigin } from "./config.js";
import { compareFileNames, controlCharacterIn, hasGlobMagic } from "./glob.js";
import type { ConfigIssue, LocatedIssue, PathSegment } from "./issues.js";
import {
  formatLimitBytes, MAX_CONFIG_FILE_BYTES, MAX_CONFIG_TOTAL_BYTES, MAX_GLOB_WILDCARD_SEGMENTS, MAX_INCLUDE_DEPTH, MAX_INCLUDES, MAX_TASKS,
} from "./limits.js";
import type { ParseContext } from "./schema-kit.js";
import { taskListSchema } from "./schema.js";
import { decodeSource, locate, parseSource, type SourceDoc } from "./source.js";
import { normalizeServerTask } from "./server-tasks.js";
import { normalizeBuildTask, normalizeRunTask, type RawBuild, type RawRun } from "./tasks.js";
import type { Infer } from "./schema-kit.js";

export interface ConfigFiles {
  /**
   * The file's bytes, at most `maxBytes + 1` of them (one more than allowed shows the file is too large).
   * Throws an Error whose message says why it cannot be read, e.g. that it is not a regular file.
   */
  read(file: string, maxBytes: number): Uint8Array;
  /** Absolute paths matching an absolute glob pattern; throws an Error saying why they cannot be listed. */
  glob(pattern: string): string[];
  /** The canonical path (symlinks resolved), for cycle detection. */
  realpath(file: string): string;
}

type RawTask = Infer<typeof taskListSchema>[number];

export interface Loader {
  files: ConfigFiles;
  /** Every file parsed, by the path it was reached by. */
  sources: Map<string, SourceDoc>;
  /** Each file's outcome, so that a file is read once: its source, or undefined when it failed. */
  read: Map<string, SourceDoc | undefined>;
  /** Each included file's task list as checked (undefined entries were wrong), or undefined when it is not one. */
  entries: Map<string, Array<RawTask | undefined> | undefined>;
  /** Each absolute include pattern's matches, or why it could not be expanded. */
  globs: Map<string, string[] | Error>;
  located: LocatedIssue[];
  issues: ConfigIssue[];
  bytes: number;
  includes: number;
  /** Set once a limit was hit: nothing more is added, so that the walk ends promptly. */
  stopped: boolean;
}

export function emptyLoader(files: ConfigFiles): Loader {
  return { files, sources: new Map(), read: new Map(), entries: new Map(), globs: new Map(), located: [], issues: [], bytes: 0, includes: 0, stopped: false };
}

type Where = { file: string; path: PathSegment[] };

export function readSource(loader: Loader, file: string, from?: Where): SourceDoc | undefined {
  if (loader.read.has(file)) return loader.read.get(file);
  const source = readOnce(loader, file, from);
  loader.read.set(file, source);
  return source;
}

function readOnce(loader: Loader, file: string, from?: Where): SourceDoc | undefined {
  const fail = (message: string, hint: string): undefined => {
    if (from) loader.issues.push({ ...from, message: `cannot include ${file}: ${message}`, hint });
    else loader.located.push({ file, path: [], line: 1, column: 1, message: `cannot read the config: ${message}`, hint });
    return undefined;
  };
  const allowed = Math.min(MAX_CONFIG_FILE_BYTES, MAX_CONFIG_TOTAL_BYTES - loader.bytes);
  let bytes: Uint8Array;
  try {
    bytes = loader.files.read(file, allowed);
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), from ? "fix the include's path, which is relative to this file" : "give the right file with -c PATH");
  }
  if (bytes.length > allowed) {
    const single = allowed === MAX_CONFIG_FILE_BYTES;
    return single
      ? fail(`larger than ${formatLimitBytes(MAX_CONFIG_FILE_BYTES)}, the limit for one config file`, "split it into smaller includes, or check that it is the right file")
      : fail(`the config and its includes are larger than ${formatLimitBytes(MAX_CONFIG_TOTAL_BYTES)} in all (the limit)`, "include less");
  }
  loader.bytes += bytes.length;
  const decoded = decodeSource(file, bytes);
  if ("issue" in decoded) {
    loader.located.push(decoded.issue);
    return undefined;
  }
  const { source, issues } = parseSource(file, decoded.text);
  if (source) loader.sources.set(file, source);
  for (const issue of issues) loader.located.push(issue);
  return issues.length > 0 ? undefined : source;
}

/**
 * Walks one file's task list. The root file's list was shape-checked with the whole config already (its
 * issues are reported there); an included file's list is checked here, once, against its own positions.
 */
export function expandTasks(loader: Loader, file: string, out: Task[], chain: string[], ctx: ParseContext): void {
  const source = loader.sources.get(file);
  if (!source) return;
  const isRoot = file === ctx.file;
  const listPath: PathSegment[] = isRoot ? ["tasks"] : [];
  const entries = taskEntries(loader, source, isRoot);
  if (!entries) return;
  for (const [index, entry] of entries.entries()) {
    if (loader.stopped) return;
    if (entry === undefined) continue;
    const taskPath = [...listPath, index];
    const line = locate(source, { file, path: taskPath, message: "" }).line;
    const origin: TaskOrigin = { file, path: taskPath, line, includedFrom: chain.slice(0, -1) };
    addTask(loader, entry, origin, out, chain, ctx);
  }
}

function taskEntries(loader: Loader, source: SourceDoc, isRoot: boolean): Array<RawTask | undefined> | undefined {
  if (loader.entries.has(source.file)) return loader.entries.get(source.file);
  const listNode = isRoot ? source.doc.get("tasks", true) : source.doc.contents;
  const entries = listNode === undefined || listNode === null
    ? undefined
    : taskListSchema.parseItems(listNode, isRoot ? ["tasks"] : [], { file: source.file, issues: isRoot ? [] : loader.issues });
  loader.entries.set(source.file, entries);
  return entries;
}

function addTask(loader: Loader, entry: RawTask, origin: TaskOrigin, out: Task[], chain: string[], ctx: ParseContext): void {
  if (entry.tag !== "include" && out.length >= MAX_TASKS) {
    loader.issues.push({ file: origin.file, path: origin.path, message: `more than ${MAX_TASKS} tasks in all (the limit); this one and those after it were not read`, hint: "split the config, or check for a file included many times" });
    loader.stopped = true;
    return;
  }
  switch (entry.tag) {
    case "upgrade":
    case "install": {
      const task = normalizeBuildTask(entry.tag, entry.value as RawBuild, origin, loader.issues);
      if (task) out.push(task);
      return;
    }
    case "run":
      out.push(normalizeRunTask(entry.value as RawRun, origin, loader.issues));
      return;
    case "server":
      out.push(normalizeServerTask(entry.value as string, origin));
      return;
    case "include":
      includeFiles(loader, entry.value as string, origin, out, chain, ctx);
      return;
    default: {
      const never: never = entry;
      throw new Error(`unhandled task ${JSON.stringify(never)}`);
    }
  }
}

function includeFiles(loader: Loader, pattern: string, origin: TaskOrigin, out: Task[], chain: string[], ctx: ParseContext): void {
  const where = { file: origin.file, path: [...origin.path, "include"] };
  const matches = expandPattern(loader, pattern, where, chain);
  for (const match of matches) {
    if (loader.stopped) return;
    if (++loader.includes > MAX_INCLUDES) {
      loader.issues.push({ ...where, message: `more than ${MAX_INCLUDES} includes in all (the limit; a file included twice counts twice)`, hint: "include each file once" });
      loader.stopped = true;
      return;
    }
    const real = realpathOr(loader.files, match);
    if (chain.includes(real)) {
      loader.issues.push({ ...where, message: `include cycle: ${[...chain, real].map((f) => path.basename(f)).join(" → ")}`, hint: "remove the include that leads back to a file already being read" });
      continue;
    }
    if (!readSource(loader, match, where)) continue;
    expandTasks(loader, match, out, [...chain, real], ctx);
  }
}

/** The files an include names, or none after reporting why at the include. */
function expandPattern(loader: Loader, pattern: string, where: Where, chain: readonly string[]): string[] {
  const problem = checkPattern(pattern, chain);
  if (problem) {
    loader.issues.push({ ...where, ...problem });
    return [];
  }
  const absolute = path.resolve(path.dirname(where.file), pattern);
  let matches = loader.globs.get(absolute);
  if (matches === undefined) {
    try {
      matches = [...loader.files.glob(absolute)].sort(compareFileNames);
    } catch (error) {
      matches = error instanceof Error ? error : new Error(String(error));
    }
    loader.globs.set(absolute, matches);
  }
  if (matches instanceof Error) {
    loader.issues.push({ ...where, message: `cannot expand '${pattern}': ${matches.message}` });
    return [];
  }
  if (matches.length === 0) {
    loader.issues.push({ ...where, message: `'${pattern}' matches no file (looked for ${absolute})`, hint: "fix the path, which is relative to this file, or remove the include" });
  }
  return matches;
}

function checkPattern(pattern: string, chain: readonly string[]): { message: string; hint: string } | undefined {
  const control = controlCharacterIn(pattern);
  if (control) {
    return { message: `the include path contains ${JSON.stringify(control)}, which no config file name may hold`, hint: "write the file name on one line, without control characters" };
  }
  if (pattern.split("/").filter(hasGlobMagic).length > MAX_GLOB_WILDCARD_SEGMENTS) {
    return { message: `'${pattern}' has wildcards in more than ${MAX_GLOB_WILDCARD_SEGMENTS} path segments (the limit)`, hint: "name the directories, and use wildcards for the last ones only" };
  }
  if (chain.length >= MAX_INCLUDE_DEPTH) {
    return { message: `includes nest more than ${MAX_INCLUDE_DEPTH} files deep (the limit), from ${path.basename(chain[0] ?? "")}`, hint: "include the files from fewer levels" };
  }
  return undefined;
}

export function realpathOr(files: ConfigFiles, file: string): string {
  try {
    return files.realpath(file);
  } catch {
    return file;
  }
}
