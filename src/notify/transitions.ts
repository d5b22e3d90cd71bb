// Which notifications a run's results call for: only changes of state, so a task that keeps failing
// is reported once, when it starts failing, and again when it recovers. Pure: the memory of what was
// last notified comes in and goes out.
import type { Failure } from "../failure/failure.js";
import { quarantines } from "../failure/retry-policy.js";

/** "quarantined": failed deterministically, so not rebuilt until an input changes (src/state/quarantine.ts). */
export type NotifiedState = "succeeded" | "failed" | "quarantined";
export type ProblemKind = "run-not-started" | "config-invalid";

export interface NotifyMemory {
  /** Each task's state as last notified (or first seen). */
  tasks: Record<string, NotifiedState>;
  /** Each server's coverage as last notified (or first seen). */
  servers: Record<string, CoverageState>;
  /** The problem last reported, per kind, until it goes away. */
  problems: Partial<Record<ProblemKind, string>>;
}

export interface TaskResultSummary {
  taskId: string;
  result: string;
  reason: string | null;
  failure?: Failure | null;
}

export interface TaskTransition {
  event: "failed" | "quarantined" | "recovered";
  task: string;
  result: string;
  reason: string | null;
  failure: Failure | null;
}

export type CoverageState = "covered" | "uncovered";

/** What a coverage check found of one server, as far as notifications care. */
export interface CoverageSummary {
  server: string;
  status: CoverageState | "own-stage" | "error";
  toCompile: number | null;
}

export interface CoverageTransition {
  event: "uncovered" | "covered";
  server: string;
  toCompile: number;
}

export const emptyMemory = (): NotifyMemory => ({ tasks: {}, servers: {}, problems: {} });

/**
 * Like a task's: covered → uncovered: "uncovered", and a server first seen uncovered too (nobody knows
 * yet); uncovered → covered: "covered". A server that needs its own stage or could not be checked
 * says nothing about its coverage and changes nothing.
 */
export function decideCoverageTransitions(memory: NotifyMemory, results: readonly CoverageSummary[]): { transitions: CoverageTransition[]; memory: NotifyMemory } {
  const servers = { ...memory.servers };
  const transitions: CoverageTransition[] = [];
  for (const { server, status, toCompile } of results) {
    if (status !== "covered" && status !== "uncovered") continue;
    const before = servers[server];
    servers[server] = status;
    if (status === "uncovered" && before !== "uncovered") transitions.push({ event: "uncovered", server, toCompile: toCompile ?? 0 });
    if (status === "covered" && before === "uncovered") transitions.push({ event: "covered", server, toCompile: 0 });
  }
  return { transitions, memory: { ...memory, servers } };
}

/**
 * succeeded → failed: "failed"; a deterministic failure puts the task into quarantine: "quarantined"
 * (once: later runs skip it, and its failures with changed inputs continue the same story);
 * failed or quarantined → succeeded: "recovered". A task seen for the first time that fails is
 * reported too (nobody knows yet); one that succeeds is not. Interrupted, skipped and not-run results
 * say nothing about the task and change nothing.
 */
export function decideTaskTransitions(memory: NotifyMemory, results: readonly TaskResultSummary[]): { transitions: TaskTransition[]; memory: NotifyMemory } {
  const tasks = { ...memory.tasks };
  const transitions: TaskTransition[] = [];
  for (const { taskId, result, reason, failure = null } of results) {
    if (result !== "succeeded" && result !== "failed") continue;
    const state: NotifiedState = result === "failed" && quarantines(failure?.class ?? null) ? "quarantined" : result;
    const before = tasks[taskId];
    const failing = before === "failed" || before === "quarantined";
    tasks[taskId] = state === "failed" && before === "quarantined" ? before : state;
    if (state === "quarantined" && before !== "quarantined") transitions.push({ event: "quarantined", task: taskId, result, reason, failure });
    if (state === "failed" && !failing) transitions.push({ event: "failed", task: taskId, result, reason, failure });
    if (state === "succeeded" && failing) transitions.push({ event: "recovered", task: taskId, result, reason: null, failure: null });
  }
  return { transitions, memory: { ...memory, tasks } };
}

/** A problem is reported when it differs from the last one of its kind; `null` says it went away. */
export function decideProblem(memory: NotifyMemory, kind: ProblemKind, problem: string | null): { notify: boolean; memory: NotifyMemory } {
  const problems = { ...memory.problems };
  const notify = problem !== null && problems[kind] !== problem;
  if (problem === null) delete problems[kind];
  else problems[kind] = problem;
  return { notify, memory: { ...memory, problems } };
}
