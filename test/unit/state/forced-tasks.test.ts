// The forced-task requests in the state directory: asked for by the dashboard, taken once by a run.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { readForcedTasks, requestForcedTask, takeForcedTasks } from "../../../src/state/forced-tasks.js";
import { tempStateDir } from "./state-fixtures.js";

describe("forced tasks", () => {
  it("are none without a request, kept once each when asked for, and taken by one run only", async () => {
    const stateDir = path.join(tempStateDir(), "not-yet-made");
    assert.deepEqual(await readForcedTasks(stateDir), []);
    await requestForcedTask(stateDir, "world");
    await requestForcedTask(stateDir, "app-misc/foo");
    await requestForcedTask(stateDir, "app-misc/foo");
    assert.deepEqual(await readForcedTasks(stateDir), ["app-misc/foo", "world"]);
    assert.deepEqual(await takeForcedTasks(stateDir), ["app-misc/foo", "world"]);
    assert.deepEqual(await takeForcedTasks(stateDir), [], "a second run finds nothing forced");
    assert.deepEqual(await readForcedTasks(stateDir), []);
  });

  it("ignores what is no task id, and files that are no request", async () => {
    const stateDir = tempStateDir();
    const dir = path.join(stateDir, "force-requests");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "0".repeat(32)), "../etc\n");
    await writeFile(path.join(dir, "not-a-request"), "ok-task\n");
    await requestForcedTask(stateDir, "ok-task");
    assert.deepEqual(await readForcedTasks(stateDir), ["ok-task"]);
    assert.deepEqual(await takeForcedTasks(stateDir), ["ok-task"]);
  });

  it("never loses a request: forty asked for while runs take them, each is taken or still waiting", async () => {
    const stateDir = tempStateDir();
    const asked = Array.from({ length: 40 }, (_, i) => `app-misc/task-${i}`);
    const taken: string[] = [];
    const take = async (): Promise<void> => void taken.push(...(await takeForcedTasks(stateDir)));
    // Requests and takes interleave on the event loop, as the dashboard and a run in one daemon do.
    await Promise.all(asked.flatMap((task, i) => (i % 5 === 0 ? [requestForcedTask(stateDir, task), take()] : [requestForcedTask(stateDir, task)])));
    const waiting = await readForcedTasks(stateDir);
    assert.deepEqual([...taken, ...waiting].sort(), [...asked].sort(), "every request is either taken by a run or waiting for the next");
    assert.equal(new Set(taken).size, taken.length, "no request is taken twice");
  });
});
