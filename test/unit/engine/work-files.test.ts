// A retried step releases its work files after each attempt and lays them out again for the next:
// the second layout must not be removed by the first one's removal.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, it } from "node:test";
import { WorkFiles } from "../../../src/engine/work-files.js";
import type { Exec } from "../../../src/exec/exec.js";
import type { HostStep } from "../../../src/plan/plan.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-work-files-"));
after(() => rm(root, { recursive: true, force: true }));

const noExec: Exec = { run: async (argv) => assert.fail(`nothing is run here: ${argv.join(" ")}`) };

it("lays out a step's files again after releasing them, and keeps them until the next release", async () => {
  const workDir = path.join(root, "work", "tmux");
  const script = path.join(workDir, "script");
  const step: HostStep = {
    kind: "host", task: { id: "tmux", kind: "run", title: "run on the host", origin: "binpkgbot.yml:3", retries: 2 },
    persist: false, workDir, logFile: path.join(root, "logs", "tmux.log"), files: [{ path: script, text: "#!/bin/sh\ntrue\n", mode: 0o755 }], argv: [script], env: {},
  };
  const work = new WorkFiles(noExec);
  for (let attempt = 1; attempt <= 3; attempt++) {
    await work.ready(step);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await readFile(script, "utf8"), "#!/bin/sh\ntrue\n", `attempt ${attempt}: the script is there while the step runs`);
    work.release(step);
  }
  assert.deepEqual(await work.releaseAll(), []);
  await assert.rejects(readFile(script), { code: "ENOENT" }, "removed at the end");
});
