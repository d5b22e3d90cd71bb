// The forced-task requests in the state directory: asked for by the dashboard, taken once by a run.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { readForcedTasks, requestForcedTask, takeForcedTasks } from "../../../src/state/forced-tasks.js";
import { tempStateDir } from "./state-fixtures.js";

describe("forced tasks", () => {
  it("are none without a request file, kept once each when asked for, and taken by one run only", async () => {
    const stateDir = path.join(tempStateDir(), "not-yet-made");
    assert.deepEqual(await readForcedTasks(stateDir), []);
    await requestForcedTask(stateDir, "app-misc/foo");
    await requestForcedTask(stateDir, "world");
    await requestForcedTask(stateDir, "app-misc/foo");
    assert.deepEqual(await readForcedTasks(stateDir), ["app-misc/foo", "world"]);
    assert.deepEqual(await takeForcedTasks(stateDir), ["app-misc/foo", "world"]);
    assert.deepEqual(await takeForcedTasks(stateDir), [], "a second run finds nothing forced");
    assert.deepEqual(await readForcedTasks(stateDir), []);
  });

  it("ignores what is no task id, and a request file that is no JSON", async () => {
    const stateDir = tempStateDir();
    await writeFile(path.join(stateDir, "dashboard-requests.json"), JSON.stringify({ force: ["../etc", 7, "ok-task", ""] }));
    assert.deepEqual(await readForcedTasks(stateDir), ["ok-task"]);
    await writeFile(path.join(stateDir, "dashboard-requests.json"), "{half");
    assert.deepEqual(await takeForcedTasks(stateDir), []);
  });
});
