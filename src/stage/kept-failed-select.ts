// Which kept failed containers to enter or remove. Pure: names and metadata in, choices out.
import type { BuildView } from "../plan/plan-run.js";

/** What a kept container was built with (its binds, its /etc/portage), to enter it again as the build saw it. */
export interface KeptFailedMeta extends BuildView {
  task: string;
  run: string;
  created: string;
}

export interface KeptFailed {
  name: string;
  path: string;
  meta: KeptFailedMeta;
}

/** The kept container's name in the kept directory: findable by task, unique per run. */
export function keptFailedName(task: string, run: string): string {
  return `${task}-${run}`;
}

// A container still running, or one an interrupted run left half-made, is hidden under this prefix;
// only a finished kept container (its metadata written last) is listed.
const RUNNING_PREFIX = ".running-";

export function runningName(task: string, run: string): string {
  return `${RUNNING_PREFIX}${keptFailedName(task, run)}`;
}

export function isRunningName(entry: string): boolean {
  return entry.startsWith(RUNNING_PREFIX);
}

/** Newest first: by creation time, then by name (the run id sorts by time). */
export function sortNewestFirst(kept: readonly KeptFailed[]): KeptFailed[] {
  return [...kept].sort((a, b) => b.meta.created.localeCompare(a.meta.created) || b.name.localeCompare(a.name));
}

/** Those beyond the newest `keep`, to remove. */
export function selectBeyondCount(kept: readonly KeptFailed[], keep: number): KeptFailed[] {
  return sortNewestFirst(kept).slice(Math.max(0, keep));
}

/** The newest kept container of `task`, or null. */
export function selectNewestOfTask(kept: readonly KeptFailed[], task: string): KeptFailed | null {
  return sortNewestFirst(kept).find((entry) => entry.meta.task === task) ?? null;
}
