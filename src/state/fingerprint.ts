// Pure: what decides whether a task must run again. Two runs whose inputs are equal get the same
// fingerprint, so a run may skip a task whose fingerprint equals its last successful one.
import { createHash } from "node:crypto";
import type { Step } from "../plan/plan.js";

export interface FingerprintInputs {
  /** The Portage repository's revision: git HEAD, else metadata/timestamp.chk, else a tree hash (readRepoRevision). */
  repoRevision: string;
  /**
   * Content hash of the admin's etc_portage tree (hashDirectory): make.conf, package.*, repos.conf, …;
   * for a `server:` task, which never sees the admin's, of that server's /etc/portage and world (hashServerInputs).
   */
  etcPortageHash: string;
  /**
   * Names the stage's current contents: changes whenever the stage is replaced or a persisting task
   * changes it, so every task built on the old stage runs again.
   */
  stageGeneration: string;
  /**
   * The task's planned step: its command (emerge options and atom included), environment, binds,
   * scripts and the package.* files its modifiers write. Reduced by canonicalStep().
   */
  step: Step;
  /** binpkgbot's own version: a new version may build differently. */
  binpkgbotVersion: string;
}

/** Bumped when the canonical form below changes, so that old fingerprints stop matching. */
const FINGERPRINT_FORMAT = 1;

/** sha256 hex over every input, in a fixed order and a stable JSON form. */
export function fingerprintTask(inputs: FingerprintInputs): string {
  const canonical = {
    format: FINGERPRINT_FORMAT,
    binpkgbotVersion: inputs.binpkgbotVersion,
    repoRevision: inputs.repoRevision,
    etcPortageHash: inputs.etcPortageHash,
    stageGeneration: inputs.stageGeneration,
    step: canonicalStep(inputs.step),
  };
  return createHash("sha256").update(stableJson(canonical)).digest("hex");
}

/**
 * The step without what differs from run to run for the same task: the work directory, the log
 * file and Portage log directory (all under a run-id directory), the container's machine name (it
 * numbers the step's position) and where the task was written (title, origin, and the `#` comment
 * lines of generated package.* files, which name the config file and line). Paths under those
 * directories become `<work>`, `<portage-log>` and `<log>`.
 */
export function canonicalStep(step: Step): unknown {
  const runPaths: [string, string][] = [[step.workDir, "<work>"], [step.logFile, "<log>"]];
  if (step.kind === "container") runPaths.push([step.portageLogDir, "<portage-log>"]);
  const strip = (text: string): string => replaceRunPaths(text, runPaths);
  const common = {
    task: { id: step.task.id, kind: step.task.kind },
    persist: step.persist,
    files: step.files.map((file) => ({ path: strip(file.path), containerPath: file.containerPath ?? null, mode: file.mode, text: file.text })),
  };
  switch (step.kind) {
    case "container": {
      const { spec } = step;
      return {
        ...common,
        kind: step.kind,
        directory: spec.directory,
        ephemeral: spec.ephemeral,
        sudo: spec.sudo,
        workingDirectory: spec.workingDirectory ?? null,
        binds: spec.binds.map((bind) => ({ from: strip(bind.from), to: bind.to, writable: bind.writable })),
        env: spec.env,
        command: spec.command.map(strip),
        etcPortage: {
          from: step.etcPortage.from,
          portageFiles: step.etcPortage.portageFiles.map((file) => ({ file: file.file, text: withoutCommentLines(file.text) })),
        },
      };
    }
    case "host":
      return { ...common, kind: step.kind, argv: step.argv.map(strip), env: mapValues(step.env, strip) };
    default: {
      const never: never = step;
      throw new Error(`unhandled step ${JSON.stringify(never)}`);
    }
  }
}

/** Replaces each run path, and anything under it, by its placeholder; the longest path first. */
function replaceRunPaths(text: string, runPaths: readonly [string, string][]): string {
  const sorted = [...runPaths].sort((a, b) => b[0].length - a[0].length);
  for (const [runPath, placeholder] of sorted) {
    if (text === runPath) return placeholder;
    if (text.startsWith(`${runPath}/`)) return `${placeholder}${text.slice(runPath.length)}`;
  }
  return text;
}

/** portage(5): `#` starts a comment in package.* files, so whole comment lines never change a build. */
function withoutCommentLines(text: string): string {
  return text.split("\n").filter((line) => !line.trimStart().startsWith("#")).join("\n");
}

function mapValues(record: Record<string, string>, fn: (value: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}

/** JSON with object keys sorted at every level, so that key order never changes a hash. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    // Keys of one object are unique, so two are never equal; code-unit order, not the locale's.
    entries.sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
