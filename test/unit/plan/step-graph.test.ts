// Which step may start when: barriers in config order, independent throw-away steps between them,
// longest first inside a group, and the ready set a scheduler asks for.
import assert from "node:assert/strict";
import { test } from "node:test";
import { orderGroup, planStepGraph, readySteps, type GraphStep, type StepGraph } from "../../../src/plan/step-graph.js";

const sync: GraphStep = { kind: "container", persist: false, task: { id: "sync", kind: "sync" } };
const hostSync: GraphStep = { kind: "host", persist: false, task: { id: "sync", kind: "sync" } };
const upgrade = (id: string): GraphStep => ({ kind: "container", persist: true, task: { id, kind: "upgrade" } });
const install = (id: string): GraphStep => ({ kind: "container", persist: false, task: { id, kind: "install" } });
const run = (id: string, persist: boolean): GraphStep => ({ kind: "container", persist, task: { id, kind: "run" } });
const hostRun = (id: string): GraphStep => ({ kind: "host", persist: false, task: { id, kind: "run" } });

test("step graph: empty and one-step plans", () => {
  assert.deepEqual(planStepGraph([]), { groups: [], dependencies: [], barriers: [] });
  assert.deepEqual(planStepGraph([install("a")]), { groups: [[0]], dependencies: [[]], barriers: [false] });
  assert.deepEqual(planStepGraph([upgrade("a")]), { groups: [[0]], dependencies: [[]], barriers: [true] });
});

test("step graph: throw-away steps between barriers form one group, each after the barrier before it", () => {
  const graph = planStepGraph([sync, install("a"), install("b"), install("c")]);
  assert.deepEqual(graph.groups, [[0], [1, 2, 3]]);
  assert.deepEqual(graph.dependencies, [[], [0], [0], [0]], "a throw-away step waits for the sync, not for its neighbours");
});

test("step graph: barriers keep config order, each after every step back to the previous barrier", () => {
  const graph = planStepGraph([install("a"), upgrade("u1"), upgrade("u2"), install("b"), install("c"), upgrade("u3")]);
  assert.deepEqual(graph.groups, [[0], [1], [2], [3, 4], [5]]);
  assert.deepEqual(graph.dependencies, [[], [0], [1], [2], [2], [2, 3, 4]]);
  assert.deepEqual(graph.barriers, [false, true, true, false, false, true]);
});

test("step graph: the sync is a barrier whether it runs in a container or on the host", () => {
  for (const first of [sync, hostSync]) {
    const graph = planStepGraph([first, install("a"), install("b")]);
    assert.deepEqual(graph.groups, [[0], [1, 2]], first.kind);
    assert.equal(graph.barriers[0], true, first.kind);
  }
});

test("step graph: a host run task is a barrier, a throw-away run task in a container is not", () => {
  const graph = planStepGraph([install("a"), hostRun("h"), install("b"), run("r", false), install("c")]);
  assert.deepEqual(graph.groups, [[0], [1], [2, 3, 4]]);
  assert.deepEqual(graph.dependencies, [[], [0], [1], [1], [1]]);
});

test("step graph: a persisting run task is a barrier", () => {
  const graph = planStepGraph([install("a"), install("b"), run("webrsync", true), install("c")]);
  assert.deepEqual(graph.groups, [[0, 1], [2], [3]]);
  assert.deepEqual(graph.dependencies, [[], [], [0, 1], [2]]);
});

test("orderGroup: longest last duration first; ties and unknown durations keep config order", () => {
  const steps = [install("a"), install("b"), install("c"), install("d"), install("e")];
  const durations = new Map([["b", 5_000], ["c", 90_000], ["d", 5_000]]);
  assert.deepEqual(orderGroup([0, 1, 2, 3, 4], steps, durations), [2, 1, 3, 0, 4]);
  assert.deepEqual(orderGroup([0, 1, 2, 3, 4], steps, new Map()), [0, 1, 2, 3, 4]);
});

test("step graph: durations order each group longest first, never across a barrier", () => {
  const steps = [install("a"), install("b"), upgrade("u"), install("c"), install("d")];
  const graph = planStepGraph(steps, new Map([["b", 10], ["d", 20], ["u", 99]]));
  assert.deepEqual(graph.groups, [[1, 0], [2], [4, 3]]);
});

const set = (...indices: number[]): Set<number> => new Set(indices);

test("readySteps: at the start, the first group's steps, or only the first barrier", () => {
  assert.deepEqual(readySteps(planStepGraph([install("a"), install("b"), upgrade("u")]), set(), set()), [0, 1]);
  assert.deepEqual(readySteps(planStepGraph([sync, install("a"), install("b")]), set(), set()), [0]);
  assert.deepEqual(readySteps(planStepGraph([]), set(), set()), []);
});

test("readySteps: a group opens when its barrier finishes, in start order, without running or finished steps", () => {
  const graph = planStepGraph([sync, install("a"), install("b"), install("c")], new Map([["c", 3], ["b", 2]]));
  assert.deepEqual(readySteps(graph, set(), set(0)), [], "nothing starts beside the running sync");
  assert.deepEqual(readySteps(graph, set(0), set()), [3, 2, 1]);
  assert.deepEqual(readySteps(graph, set(0, 2), set(3)), [1]);
});

test("readySteps: a barrier waits until nothing before it runs or is left", () => {
  const graph = planStepGraph([install("a"), install("b"), upgrade("u"), install("c")]);
  assert.deepEqual(readySteps(graph, set(0), set(1)), []);
  assert.deepEqual(readySteps(graph, set(0, 1), set()), [2]);
  assert.deepEqual(readySteps(graph, set(0, 1), set(2)), [], "nothing starts while the barrier runs");
  assert.deepEqual(readySteps(graph, set(0, 1, 2), set()), [3]);
});

/** Every (finished, running) pair over the steps, to check what readySteps may never answer. */
function* progressStates(count: number): Generator<[Set<number>, Set<number>]> {
  for (let code = 0; code < 3 ** count; code++) {
    const finished = new Set<number>();
    const running = new Set<number>();
    for (let index = 0, rest = code; index < count; index++, rest = Math.floor(rest / 3)) {
      if (rest % 3 === 1) finished.add(index);
      if (rest % 3 === 2) running.add(index);
    }
    yield [finished, running];
  }
}

function assertSafe(graph: StepGraph, finished: Set<number>, running: Set<number>): void {
  for (const index of readySteps(graph, finished, running)) {
    const state = `finished ${[...finished]}, running ${[...running]}: step ${index}`;
    assert.ok(!finished.has(index) && !running.has(index), state);
    for (const dependency of graph.dependencies[index] ?? []) assert.ok(finished.has(dependency), `${state} before its dependency ${dependency}`);
    if (graph.barriers[index]) for (let before = 0; before < index; before++) assert.ok(finished.has(before), `${state}, a barrier, before step ${before}`);
  }
}

test("readySteps: never a step with an unfinished dependency, never a barrier while anything before it runs", () => {
  const plans = [
    [sync, install("a"), install("b"), upgrade("u"), install("c"), hostRun("h")],
    [install("a"), run("r", true), install("b"), run("t", false), upgrade("u"), upgrade("v")],
  ];
  for (const steps of plans) {
    const graph = planStepGraph(steps);
    for (const [finished, running] of progressStates(steps.length)) assertSafe(graph, finished, running);
  }
});
