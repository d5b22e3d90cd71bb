// `binpkgbot run --json` on real containers: stdout is one JSON document, the steps' lines go to
// stderr, a failed task is still exit 1, and every step has a "failure" key.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, runCli } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

test("run --json prints one document with each step and its failure key; a failed task is still exit 1", { skip }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: app-misc/plain\n  - install: app-misc/broken\n"));
  const result = await runCli(["run", "--json", "-c", world.config]);
  assert.equal(result.code, 1, result.stderr);
  const document = JSON.parse(result.stdout) as { version: number; result: string; steps: { task: string; result: string; failure: unknown }[] };
  assert.equal(document.version, 1);
  assert.equal(document.result, "failed");
  assert.deepEqual(document.steps.map((step) => [step.task, step.result, "failure" in step]), [
    ["install-app-misc-plain", "succeeded", true], ["install-app-misc-broken", "failed", true],
  ]);
  assert.equal(document.steps[0]?.failure, null);
  assert.match(result.stderr, /^==> \[1\/2\] install-app-misc-plain/m, "the steps' lines go to stderr");
  assert.match(result.stderr, /1 of 2 step\(s\) did not succeed/);
});
