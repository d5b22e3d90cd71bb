// Which notifications a run's results call for: only changes of state, so a task that keeps failing
// is reported once, when it starts failing, and again when it recovers. Pure: the memory of what was
// last notified comes in and goes out.

export type NotifiedState = "succeeded" | "failed";
export type ProblemKind = "run-not-started" | "config-invalid";

export interface NotifyMemory {
  /** Each task's state as last notified (or first seen). */
  tasks: Record<string, NotifiedState>;
  /** The problem last reported, per kind, until it goes away. */
  problems: Partial<Record<ProblemKind, string>>;
}

export interface TaskResultSummary {
  taskId: string;
  result: string;
  reason: string | null;
}

export interface TaskTransition {
  event: "failed" | "recovered";
  task: string;
  result: string;
  reason: string | null;
}

export const emptyMemory = (): NotifyMemory => ({ tasks: {}, problems: {} });

/**
 * succeeded → failed: "failed"; failed → succeeded: "recovered". A task seen for the first time that
 * fails is reported too (nobody knows yet); one that succeeds is not. Interrupted, skipped and not-run
 * results say nothing about the task and change nothing.
 */
export function decideTaskTransitions(memory: NotifyMemory, results: readonly TaskResultSummary[]): { transitions: TaskTransition[]; memory: NotifyMemory } {
  const tasks = { ...memory.tasks };
  const transitions: TaskTransition[] = [];
  for (const { taskId, result, reason } of results) {
    if (result !== "succeeded" && result !== "failed") continue;
    const before = tasks[taskId];
    tasks[taskId] = result;
    if (result === "failed" && before !== "failed") transitions.push({ event: "failed", task: taskId, result, reason });
    if (result === "succeeded" && before === "failed") transitions.push({ event: "recovered", task: taskId, result, reason: null });
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
