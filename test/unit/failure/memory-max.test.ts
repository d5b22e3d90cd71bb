// A container's memory cgroup counted OOM kills (memory_max): the step failed for lack of memory,
// whatever the build printed as it died.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { classifyFailure, type FailureEvidence } from "../../../src/failure/classify.js";
import { fixture } from "../../support/fixtures.js";

const LOG_DIR = { inContainer: "/var/log/portage", onHost: "/srv/state/logs/run-1/install-broken.portage" };
const buildOutput = readFileSync(fixture("failure-output", "build.txt"), "utf8");

function evidence(output: string, extra: Partial<FailureEvidence> = {}): FailureEvidence {
  return { output, exitCode: 1, signal: null, interrupted: false, started: true, portageLogDir: LOG_DIR, ...extra };
}

test("a build failure with OOM kills counted in the container's cgroup is out-of-memory, naming the package, phase and log", () => {
  const build = classifyFailure(evidence(buildOutput));
  assert.equal(build.class, "build");
  const failure = classifyFailure(evidence(buildOutput, { oomKills: 1 }));
  assert.equal(failure.class, "out-of-memory");
  assert.equal(failure.summary, `out of memory while building ${build.packages[0]} (${build.phase}): the OOM killer ended a process of the container at its memory_max`);
  assert.deepEqual(failure.packages, build.packages);
  assert.equal(failure.buildLog, build.buildLog);
  assert.deepEqual(failure.fix, ["raise memory_max, or lower the parallel jobs (MAKEOPTS=-jN and emerge --jobs in etc_portage's make.conf)"]);
});

test("OOM kills with output binpkgbot does not know are still out-of-memory, and say how many processes", () => {
  const failure = classifyFailure(evidence("emerge: something ended\n", { oomKills: 3 }));
  assert.equal(failure.class, "out-of-memory");
  assert.equal(failure.summary, "out of memory: the OOM killer ended 3 processes of the container at its memory_max");
  assert.deepEqual(failure.packages, []);
});

test("no OOM kill counted leaves the classification to the output", () => {
  assert.equal(classifyFailure(evidence(buildOutput, { oomKills: 0 })).class, "build");
  assert.equal(classifyFailure(evidence("emerge: something ended\n", { oomKills: 0 })).class, "unknown");
});

test("a stopped step stays interrupted even if the OOM killer struck", () => {
  assert.equal(classifyFailure(evidence(buildOutput, { oomKills: 1, interrupted: true })).class, "interrupted");
});
