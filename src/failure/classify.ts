// Why a step failed, decided from the tail of its output and its exit status (pure: text in, Failure out).
// Each family of messages lives beside the Portage source it follows: mask-messages.ts,
// dependency-messages.ts, build-messages.ts.
import type { Failure } from "./failure.js";
import { classifyBuild, classifyDiskFull, classifyFetch, classifyMemoryMax, classifyOutOfMemory, type PortageLogDir } from "./build-messages.js";
import { classifyBlocker, classifyRequiredUse, classifySlotConflict, classifyUnsatisfied } from "./dependency-messages.js";
import { classifyMasked, classifyProposals } from "./mask-messages.js";
import { lastLines, outputLines } from "./output-text.js";

export type { PortageLogDir } from "./build-messages.js";

export interface FailureEvidence {
  /** The last part of the step's stdout and stderr, interleaved as they came. */
  output: string;
  exitCode: number | null;
  signal: string | null;
  /** The engine stopped the step (Ctrl-C, SIGTERM to binpkgbot). */
  interrupted: boolean;
  /** False when the command or container could not be started at all; `error` says why. */
  started: boolean;
  error?: string;
  /** Processes the OOM killer ended in the container's memory cgroup (memory_max); absent where unknown. */
  oomKills?: number;
  /** PORTAGE_LOGDIR of a container step and the host directory bound there; null for host steps. */
  portageLogDir: PortageLogDir | null;
}

/** How many lines of output an unknown failure shows. */
export const UNKNOWN_TAIL_LINES = 20;

/**
 * The first family that recognises the output wins. Running out of disk or memory comes first because
 * the build or fetch then fails as a consequence; the build and fetch messages come before the
 * resolver's because emerge prints a merge list (with resolved blockers) before it builds.
 */
export function classifyFailure(evidence: FailureEvidence): Failure {
  const status = statusText(evidence);
  if (evidence.interrupted) return interrupted(status);
  if (!evidence.started) return host(evidence.error ?? status, evidence.error ? [evidence.error] : []);
  const lines = outputLines(evidence.output);
  const found = (evidence.oomKills ? classifyMemoryMax(evidence.oomKills, lines, classifyBuild(lines, evidence.portageLogDir)) : null)
    ?? classifyDiskFull(lines)
    ?? classifyOutOfMemory(lines, evidence.exitCode, evidence.signal)
    ?? classifyBuild(lines, evidence.portageLogDir)
    ?? classifyFetch(lines)
    ?? classifySlotConflict(lines)
    ?? classifyBlocker(lines)
    ?? classifyRequiredUse(lines)
    ?? classifyProposals(lines)
    ?? classifyMasked(lines)
    ?? classifyUnsatisfied(lines)
    ?? classifyNspawn(lines, evidence.exitCode);
  if (found) return found;
  if (evidence.signal && evidence.signal !== "SIGKILL") return interrupted(status);
  return {
    class: "unknown",
    summary: `${status}, with no message binpkgbot knows`,
    fix: ["read the end of the task's log (below); if it is a Portage message binpkgbot should know, report it"],
    details: lastLines(lines, UNKNOWN_TAIL_LINES),
    packages: [],
  };
}

function statusText(evidence: Pick<FailureEvidence, "exitCode" | "signal">): string {
  return evidence.signal ? `killed by ${evidence.signal}` : `exit code ${evidence.exitCode ?? "unknown"}`;
}

function interrupted(status: string): Failure {
  return { class: "interrupted", summary: `stopped by a signal (${status})`, fix: ["run it again"], details: [], packages: [] };
}

function host(summary: string, details: string[]): Failure {
  return {
    class: "host",
    summary: `the container could not start: ${summary}`,
    fix: ["check the host with binpkgbot doctor, then run again"],
    details,
    packages: [],
  };
}

// systemd-nspawn's own errors before the payload runs (src/nspawn/nspawn.c: log_error_errno(r, "Failed to
// …"), "Directory %s doesn't look like it has an OS tree (/usr/ directory is missing). Refusing."); it
// then exits 1. Only output made of nothing else counts: emerge ran if it printed anything.
const NSPAWN_ERROR = /^(Failed to \S.*|Directory .* doesn't look like it has an OS tree.*|.*\. Refusing\.|Machine '.*' already exists.*|Timeout while waiting for container.*)$/;

function classifyNspawn(lines: readonly string[], exitCode: number | null): Failure | null {
  const said = lines.filter((line) => line.trim() !== "");
  if (exitCode !== 1 || said.length === 0 || !said.every((line) => NSPAWN_ERROR.test(line))) return null;
  return host(said[0] ?? "", said);
}
