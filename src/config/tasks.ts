// Raw task entries → Task objects: forms resolved, atoms checked, ids made, scripts assembled.
import { createHash } from "node:crypto";
import { parseAtom } from "../portage/atom.js";
import type { BuildTask, RunTask, Task, TaskOrigin } from "./config.js";
import type { ConfigIssue, PathSegment } from "./issues.js";
import { parseSize } from "./memory-max.js";
import { normalizeModifiers, shortened, tooLong, type RawModifiers } from "./modifiers.js";

export type RawBuild = string | ({ atom: string; persist: boolean; name?: string; retries?: number; memory_max?: string } & RawModifiers);
export interface RawRun {
  script: string | string[];
  host: boolean;
  persist: boolean;
  name?: string;
  retries?: number;
  memory_max?: string;
}

export function hashText(text: string, length = 8): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

// The sets Portage defines itself (cnf/sets/portage.conf): a bare `world` is a forgotten '@', not a package.
const PORTAGE_SETS = new Set([
  "world", "system", "selected", "selected-packages", "selected-sets", "profile", "installed", "preserved-rebuild",
  "module-rebuild", "x11-module-rebuild", "live-rebuild", "deprecated-live-rebuild", "security", "changed-deps",
  "changed-subslot", "downgrade", "unavailable", "unavailable-binaries", "rebuilt-binaries", "rust-rebuild",
]);

export function normalizeBuildTask(
  kind: "upgrade" | "install",
  raw: RawBuild,
  origin: TaskOrigin,
  issues: ConfigIssue[],
): BuildTask | undefined {
  const object = typeof raw === "string" ? { atom: raw, persist: kind === "upgrade" } : raw;
  const atomPath: PathSegment[] = typeof raw === "string" ? [...origin.path, kind] : [...origin.path, kind, "atom"];
  const parsed = tooLong(object.atom) ?? parseAtom(object.atom, { allowSet: true, allowWildcard: false });
  if (!parsed.ok) {
    const set = PORTAGE_SETS.has(object.atom) ? `@${object.atom}` : undefined;
    issues.push(set
      ? { file: origin.file, path: atomPath, message: `'${object.atom}' is a set name without its '@'`, hint: `write ${kind}: '${set}', quoted because a plain YAML value cannot start with '@'` }
      : { file: origin.file, path: atomPath, offset: parsed.offset, message: `bad atom '${shortened(object.atom)}': ${parsed.message}` });
    return undefined;
  }
  const before = issues.length;
  const modifiers = normalizeModifiers(
    typeof raw === "string" ? {} : raw,
    { atom: object.atom, isSet: parsed.atom.kind === "set", file: origin.file, path: [...origin.path, kind] },
    issues,
  );
  if (issues.length > before) return undefined;
  const variant = modifiers.use.length + modifiers.acceptKeywords.length + modifiers.unmask.length + modifiers.mask.length > 0
    ? `-${hashText(JSON.stringify(modifiers), 6)}`
    : "";
  const id = "name" in object && object.name ? object.name : `${kind}-${slug(object.atom)}${variant}`;
  const retries = typeof raw === "string" ? undefined : raw.retries;
  const memoryMax = typeof raw === "string" ? undefined : taskMemoryMax(raw.memory_max, origin, kind, issues);
  return {
    kind, id, atom: object.atom, persist: object.persist, modifiers, origin, ...(retries === undefined ? {} : { retries }), ...(memoryMax === undefined ? {} : { memoryMax }),
  };
}

/** A task's own memory_max in bytes; a bad size is an issue at tasks[N].KIND.memory_max. */
function taskMemoryMax(value: string | undefined, origin: TaskOrigin, kind: string, issues: ConfigIssue[]): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseSize(value);
  if (parsed.ok) return parsed.bytes;
  issues.push({ file: origin.file, path: [...origin.path, kind, "memory_max"], message: parsed.message, hint: parsed.hint });
  return undefined;
}

export function normalizeRunTask(raw: RawRun, origin: TaskOrigin, issues: ConfigIssue[] = []): RunTask {
  const body = Array.isArray(raw.script) ? ["set -e", ...raw.script].join("\n") : raw.script;
  const script = body.startsWith("#!") ? ensureNewline(body) : `#!/bin/sh\n${ensureNewline(body)}`;
  const id = raw.name ?? `run-${raw.host ? "host-" : ""}${hashText(script, 8)}`;
  if (raw.host && raw.memory_max !== undefined) {
    issues.push({ file: origin.file, path: [...origin.path, "run", "memory_max"], message: "a task with host: true runs on the host, in no container, so memory_max cannot apply", hint: "remove memory_max from this task, or run it in a container (host: false)" });
  }
  const memoryMax = raw.host ? undefined : taskMemoryMax(raw.memory_max, origin, "run", issues);
  return {
    kind: "run", id, script, host: raw.host, persist: raw.persist, origin,
    ...(raw.retries === undefined ? {} : { retries: raw.retries }), ...(memoryMax === undefined ? {} : { memoryMax }),
  };
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

const namePattern = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;
/** A task's id names STATE_DIR/logs/RUN/ID.log and ID.portage: with room for those suffixes in a 255-byte file name. */
export const MAX_TASK_NAME = 200;
/** Step ids binpkgbot gives its own steps (src/plan/plan-run.ts): a task of that name would share their log and work directory. */
const RESERVED_NAMES = new Set(["sync"]);

function checkName(task: Task): Omit<ConfigIssue, "file"> | undefined {
  const path = [...task.origin.path, task.kind, "name"];
  const named = task.id;
  if (!namePattern.test(named)) {
    return { path, message: `task name '${named}' may hold only letters, digits, '.', '_', '+' and '-'`, hint: "rename the task" };
  }
  if (named.length > MAX_TASK_NAME) {
    return {
      path, message: `the task's name (given, or made from its atom) is ${named.length} characters long; it becomes file names, which allow at most ${MAX_TASK_NAME} here`,
      hint: "give the task a shorter 'name'",
    };
  }
  if (RESERVED_NAMES.has(named)) {
    return { path, message: `task name '${named}' is the name of binpkgbot's own ${named} step: both would write the same log and work directory`, hint: "give the task another name" };
  }
  return undefined;
}

/** Ids are how history, logs and --force name a task, so they must be unique and safe as file names. */
export function checkTaskIds(tasks: Task[], issues: ConfigIssue[]): void {
  const seen = new Map<string, Task>();
  for (const task of tasks) {
    const named = task.id;
    const bad = checkName(task);
    if (bad) {
      issues.push({ file: task.origin.file, ...bad });
      continue;
    }
    const first = seen.get(named);
    if (first && first.origin.file === task.origin.file && first.origin.line === task.origin.line) {
      const chain = (origin: Task["origin"]): string => origin.includedFrom.map((file) => file.split("/").pop()).join(" → ");
      issues.push({
        file: task.origin.file, path: task.origin.path,
        message: `this task is included twice: through ${chain(first.origin)} and through ${chain(task.origin)}`,
        hint: `include ${task.origin.file.split("/").pop()} once, or give the tasks different names`,
      });
    } else if (first) {
      issues.push({
        file: task.origin.file, path: task.origin.path,
        message: `task '${named}' is the same as the task at ${first.origin.file}:${first.origin.line}`,
        hint: "remove the duplicate, or give one of them a different 'name'",
      });
    } else seen.set(named, task);
  }
}
