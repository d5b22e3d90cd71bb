// Which step may start when: the plan's steps as a dependency graph, for a scheduler that runs
// independent steps side by side. Pure: durations and the run's progress come in as arguments.
//
// A step that changes what later steps see is a barrier: a persisting step changes the stage, a host
// `run` task may change anything, and the repository sync changes the tree every build reads. Barriers
// keep config order. The throw-away steps between two barriers touch only their own snapshot (and add
// binpkgs to PKGDIR), so they are independent of each other; each waits for the barrier before it, and
// the next barrier waits for all of them.

import type { StepOrder, TaskRef } from "./plan.js";

/** What the graph needs of a step (a plan Step has it). */
export interface GraphStep {
  kind: "container" | "host";
  persist: boolean;
  task: { id: string; kind: TaskRef["kind"] };
}

export interface StepGraph {
  /**
   * Step indices by group, groups in run order: a barrier is a group of its own, the throw-away steps
   * between two barriers one group, in the order they should start.
   */
  groups: number[][];
  /** Per step index: the indices of the steps that must finish before it starts, ascending. */
  dependencies: number[][];
  /** Per step index: whether it is a barrier (nothing before it may still run, nothing after it may start). */
  barriers: boolean[];
}

/** Last recorded duration in milliseconds, by task id. */
export type StepDurations = ReadonlyMap<string, number>;

export function isBarrier(step: GraphStep): boolean {
  return step.persist || step.kind === "host" || step.task.kind === "sync";
}

export function planStepGraph(steps: readonly GraphStep[], durations: StepDurations = new Map()): StepGraph {
  const barriers = steps.map(isBarrier);
  const groups: number[][] = [];
  const dependencies: number[][] = [];
  let lastBarrier = -1;
  let open: number[] | null = null;
  steps.forEach((_, index) => {
    if (barriers[index]) {
      // Everything back to and including the previous barrier.
      dependencies.push(range(Math.max(lastBarrier, 0), index));
      groups.push([index]);
      lastBarrier = index;
      open = null;
      return;
    }
    dependencies.push(lastBarrier < 0 ? [] : [lastBarrier]);
    if (open === null) {
      open = [];
      groups.push(open);
    }
    open.push(index);
  });
  return { groups: groups.map((group) => orderGroup(group, steps, durations)), dependencies, barriers };
}

/** The steps with their group and the task ids they wait for, and the groups as task ids: what a Plan carries. */
export function orderPlanSteps<S extends GraphStep>(steps: readonly S[], durations?: StepDurations): { steps: (S & StepOrder)[]; groups: string[][] } {
  const graph = planStepGraph(steps, durations);
  const id = (index: number): string => steps[index]?.task.id ?? "";
  return {
    steps: steps.map((step, index) => ({
      ...step,
      group: graph.groups.findIndex((group) => group.includes(index)),
      after: (graph.dependencies[index] ?? []).map(id),
    })),
    groups: graph.groups.map((group) => group.map(id)),
  };
}

/**
 * The group's steps in the order they should start: longest last recorded duration first, so that the
 * group finishes sooner; ties keep config order, and a step without a recorded duration counts as 0 ms.
 */
export function orderGroup(group: readonly number[], steps: readonly GraphStep[], durations: StepDurations): number[] {
  const duration = (index: number): number => {
    const id = steps[index]?.task.id;
    return id === undefined ? 0 : durations.get(id) ?? 0;
  };
  // Array.prototype.sort is stable (ECMA-262 since 2019): equal durations keep config order.
  return [...group].sort((a, b) => duration(b) - duration(a));
}

/**
 * The steps that may start now, in the order they should start: not finished, not running, every
 * dependency finished, and, for a barrier, nothing before it running or unfinished. Only the first
 * group with an unfinished step can hold such steps (each group waits for the one before it), so the
 * others are not looked at: a scheduler asks after every step, and a plan may have thousands.
 */
export function readySteps(graph: StepGraph, finished: ReadonlySet<number>, running: ReadonlySet<number>): number[] {
  const group = graph.groups.find((candidate) => !candidate.every((index) => finished.has(index))) ?? [];
  return group.filter((index) => {
    if (running.has(index) || finished.has(index)) return false;
    if (!(graph.dependencies[index] ?? []).every((dependency) => finished.has(dependency))) return false;
    return !graph.barriers[index] || range(0, index).every((before) => finished.has(before));
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(to - from, 0) }, (_, offset) => from + offset);
}
