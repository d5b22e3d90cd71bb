// The doctor says whether memory_max works on this host and how, or why not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkMemoryLimitFacts, type MemoryLimitFacts } from "../../../src/doctor/memory-limit.js";
import { renderFinding } from "../../../src/doctor/finding.js";

const CONFIG = "/etc/binpkgbot/binpkgbot.yml";
const render = (facts: MemoryLimitFacts): string[] => checkMemoryLimitFacts(facts, CONFIG).map(renderFinding);
const v1 = { kind: "cgroup" as const, place: { version: 1 as const, mountPoint: "/sys/fs/cgroup/memory", parent: "/sys/fs/cgroup/memory/build" } };
const v2 = { kind: "cgroup" as const, place: { version: 2 as const, mountPoint: "/sys/fs/cgroup", parent: "/sys/fs/cgroup/binpkgbot" } };
const unavailable = { kind: "unavailable" as const, reason: "no cgroup hierarchy with the memory controller is mounted" };

test("systemd as PID 1: the scope unit's MemoryMax=", () => {
  assert.deepEqual(render({ memoryMax: 4 * 1024 ** 3, method: { kind: "systemd-property" }, problem: null }), [
    "ok: memory_max: memory_max is 4294967296 bytes per container; systemd is PID 1, so nspawn sets MemoryMax= on each container's scope unit (--property=)",
  ]);
});

test("without systemd: the cgroup version and where the groups go", () => {
  assert.deepEqual(render({ memoryMax: null, method: v2, problem: null }), [
    "ok: memory_max: memory_max is not set (no limit); systemd is not PID 1: binpkgbot makes a cgroup v2 group per container under /sys/fs/cgroup/binpkgbot (memory.max) and removes it after the step",
  ]);
  assert.match(render({ memoryMax: 64 * 1024 ** 2, method: v1, problem: null })[0] ?? "", /^ok: memory_max: memory_max is 67108864 bytes per container; .* cgroup v1 memory group per container under \/sys\/fs\/cgroup\/memory\/build \(memory\.limit_in_bytes\)/);
});

test("memory_max set where it cannot be applied is a problem with the reason and the fix", () => {
  assert.deepEqual(render({ memoryMax: 64 * 1024 ** 2, method: unavailable, problem: null }), [
    `problem: memory_max: memory_max is 67108864 bytes per container, but it cannot be applied on this host, so runs stop before their first container: no cgroup hierarchy with the memory controller is mounted; fix: make memory limits work as said, or remove memory_max from ${CONFIG}`,
  ]);
  const failedTrial = checkMemoryLimitFacts({ memoryMax: 64 * 1024 ** 2, method: v1, problem: "cannot create the cgroup /x: EACCES" }, CONFIG);
  assert.equal(failedTrial[0]?.level, "problem");
  assert.match(failedTrial[0]?.message ?? "", /: cannot create the cgroup \/x: EACCES$/);
});

test("no memory_max where limits cannot work: said, but not a problem", () => {
  assert.deepEqual(checkMemoryLimitFacts({ memoryMax: null, method: unavailable, problem: null }, CONFIG).map((finding) => finding.level), ["ok"]);
});
