// A task's output on its way out: its commands write straight into the task's log, which binpkgbot
// follows onto its stdout, each line once behind the task's prefix, lines of tasks running at once
// never mixed, and every byte (stderr, a last line without newline) in the log.
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { configText, createWorld, runCli } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;
const fixture = { get dir(): string { return suite.fixture().dir; } };

const LINES = 3000;
const numbered = (name: string): string[] => Array.from({ length: LINES }, (_, index) => `${name} ${index + 1}`);

test("two tasks printing at once: each line once on stdout behind its task's prefix, unmixed; every byte in the logs", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const loop = (name: string): string => `for i in $(seq 1 ${LINES}); do echo "${name} $i"; done`;
  await writeFile(world.config, configText(world, [
    "jobs: 2", "sync: false", "tasks:",
    `  - run: {persist: false, name: left, script: '${loop("left")}; echo "left to stderr" >&2; printf "left without newline"'}`,
    `  - run: {persist: false, name: right, script: 'printf "right cut "; sleep 0.2; printf "in two\\n"; ${loop("right")}; printf "Grüße €\\r\\n"'}`,
    "",
  ].join("\n")));
  const result = await runCli(["run", "-c", world.config]);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  const stdout = result.stdout.split("\n");
  const of = (prefix: string): string[] => stdout.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
  assert.deepEqual(of("[left] "), [...numbered("left"), "left to stderr", "left without newline"]);
  assert.deepEqual(of("[right] "), ["right cut in two", ...numbered("right"), "Grüße €\r"]);
  // Exactly these sequences: a line holding two tasks' output, or a prefix twice, or a line without one would break them.
  const [run] = await readdir(path.join(world.stateDir, "logs"));
  const log = (name: string): Promise<string> => readFile(path.join(world.stateDir, "logs", run ?? "", `${name}.log`), "utf8");
  assert.ok((await log("left")).includes(`${numbered("left").join("\n")}\nleft to stderr\nleft without newline`), "the left log holds all it printed");
  assert.ok((await log("right")).includes(`right cut in two\n${numbered("right").join("\n")}\nGrüße €\r\n`), "the right log holds all it printed");
});
