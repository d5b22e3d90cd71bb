// What `binpkgbot plan --json` prints: a versioned document that other programs read. Its key paths
// are a golden file, so that a change shows as added lines; a reader of an older version only ever
// finds more fields, never fewer or renamed ones.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { diskConfigFiles } from "../../../src/io/config-files.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { assertGolden, fixture } from "../../support/fixtures.js";

const dir = fixture("plan-forms");
const loaded = loadConfig(path.join(dir, "binpkgbot.yml"), diskConfigFiles);
if (!loaded.ok) assert.fail(loaded.issues.map((issue) => issue.message).join("\n"));
const config = loaded.config;
const host = { systemdPid1: false, stageFilesystem: "btrfs" };
const document: unknown = JSON.parse(JSON.stringify(planRun({ config, host, runId: "20261126T000000Z" })));

/** Every key path of a JSON value with the types found there; `[]` stands for any array element. */
function keyPaths(value: unknown, at: string, into: Map<string, Set<string>>): void {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  into.set(at, (into.get(at) ?? new Set()).add(type));
  if (Array.isArray(value)) for (const item of value) keyPaths(item, `${at}[]`, into);
  // Environment variables and the like are data, not fields: their names stay out of the paths.
  else if (typeof value === "object" && value !== null && !at.endsWith(".env")) {
    for (const [key, item] of Object.entries(value)) keyPaths(item, at === "" ? key : `${at}.${key}`, into);
  }
}

test("golden: the key paths of the plan's JSON document", () => {
  const paths = new Map<string, Set<string>>();
  keyPaths(document, "", paths);
  const lines = [...paths].filter(([at]) => at !== "").map(([at, types]) => `${at}: ${[...types].sort().join(" | ")}`).sort();
  assertGolden(fixture("plan-json", "key-paths.txt"), `${lines.join("\n")}\n`);
});

test("plan version 2: every step names its group and the task ids it waits for", () => {
  const plan = planRun({ config, host, runId: "20261126T000000Z" });
  assert.equal(plan.version, 2);
  const id = (index: number): string => plan.steps[index]?.task.id ?? assert.fail(`no step ${index}`);
  const ids = (from: number, to: number): string[] => plan.steps.slice(from, to).map((step) => step.task.id);
  // upgrade @world persists; gcc (persist: false) and tmux are throw-away; screen persists; then twelve
  // throw-away installs, a persisting run task, a throw-away one, a host one, and two installs.
  assert.deepEqual(plan.groups, [[id(0)], ids(1, 3), [id(3)], ids(4, 16), [id(16)], [id(17)], [id(18)], ids(19, 21)]);
  assert.deepEqual(plan.steps.map((step) => step.group), [0, 1, 1, 2, ...Array<number>(12).fill(3), 4, 5, 6, 7, 7]);
  assert.deepEqual(plan.steps[0]?.after, []);
  assert.deepEqual(plan.steps[1]?.after, [id(0)]);
  assert.deepEqual(plan.steps[3]?.after, ids(0, 3));
  assert.deepEqual(plan.steps[9]?.after, [id(3)]);
  assert.deepEqual(plan.steps[16]?.after, ids(3, 16));
  assert.deepEqual(plan.steps[18]?.after, ids(16, 18), "a host run task waits for everything back to the last barrier");
  assert.deepEqual(plan.steps[20]?.after, [id(18)]);
});

test("plan: durations order a group longest first, and nothing else", () => {
  const plain = planRun({ config, host, runId: "20261126T000000Z" });
  const [tmux, python, edge] = [2, 15, 6].map((index) => plain.steps[index]?.task.id ?? assert.fail(`no step ${index}`));
  const durations = new Map([[tmux as string, 50], [python as string, 3_600_000], [edge as string, 60_000]]);
  const timed = planRun({ config, host, runId: "20261126T000000Z", durations });
  assert.deepEqual(timed.groups[1], [tmux, plain.steps[1]?.task.id]);
  assert.deepEqual(timed.groups[3]?.slice(0, 2), [python, edge]);
  assert.deepEqual(timed.groups[3]?.slice(2), plain.groups[3]?.filter((id) => id !== python && id !== edge), "the rest keep config order");
  assert.deepEqual(timed.steps, plain.steps, "the steps stay in config order");
});
