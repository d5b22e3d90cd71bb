// Making, limiting, counting and removing a container's memory cgroup, on a directory tree standing in
// for the cgroup filesystems (./cgroup-tree.ts), and the wrapper that starts a command inside one.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { nodeExec } from "../../../src/exec/exec.js";
import type { CgroupPlace } from "../../../src/container/cgroup-location.js";
import {
  CgroupError, createMemoryCgroup, parseOomKills, readOomKills, removeMemoryCgroup, renderCgroupWrapper, renderMemoryLimit,
} from "../../../src/container/memory-cgroup.js";
import { createCgroupTree } from "./cgroup-tree.js";

const V1: CgroupPlace = { version: 1, mountPoint: "/sys/fs/cgroup/memory", parent: "/sys/fs/cgroup/memory/build" };
const V2: CgroupPlace = { version: 2, mountPoint: "/sys/fs/cgroup", parent: "/sys/fs/cgroup/binpkgbot" };
const MB64 = 64 * 1024 * 1024;

test("the limit file: memory.max on v2, memory.limit_in_bytes on v1, in bytes", () => {
  assert.deepEqual(renderMemoryLimit(2, MB64), { file: "memory.max", text: "67108864\n" });
  assert.deepEqual(renderMemoryLimit(1, MB64), { file: "memory.limit_in_bytes", text: "67108864\n" });
});

test("v1: the group is made inside binpkgbot's own group, with memory.limit_in_bytes", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await tree.put("/sys/fs/cgroup/memory/build/memory.limit_in_bytes", "9223372036854771712\n");
  const group = await createMemoryCgroup(tree, V1, "binpkgbot-s-1.pid-7", MB64);
  assert.equal(group.path, "/sys/fs/cgroup/memory/build/binpkgbot-s-1.pid-7");
  assert.equal(await tree.read(`${group.path}/memory.limit_in_bytes`), "67108864\n");
});

test("v2: the memory controller is enabled top-down, at the root and in 'binpkgbot', then memory.max is set", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await tree.put("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
  await tree.put("/sys/fs/cgroup/cgroup.subtree_control", "cpu\n");
  const group = await createMemoryCgroup(tree, V2, "binpkgbot-s-1.pid-7", MB64);
  assert.equal(group.path, "/sys/fs/cgroup/binpkgbot/binpkgbot-s-1.pid-7");
  assert.equal(await tree.read("/sys/fs/cgroup/cgroup.subtree_control"), "+memory");
  assert.equal(await tree.read("/sys/fs/cgroup/binpkgbot/cgroup.subtree_control"), "+memory");
  assert.equal(await tree.read(`${group.path}/memory.max`), "67108864\n");
});

test("v2: a subtree_control that already has memory is left as it is", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await tree.put("/sys/fs/cgroup/cgroup.controllers", "memory pids\n");
  await tree.put("/sys/fs/cgroup/cgroup.subtree_control", "memory pids\n");
  await tree.put("/sys/fs/cgroup/binpkgbot/cgroup.subtree_control", "memory\n");
  await createMemoryCgroup(tree, V2, "binpkgbot-s-2.pid-7", MB64);
  assert.equal(await tree.read("/sys/fs/cgroup/cgroup.subtree_control"), "memory pids\n");
  assert.equal(await tree.read("/sys/fs/cgroup/binpkgbot/cgroup.subtree_control"), "memory\n");
});

test("v2 without the memory controller: a CgroupError that names the hierarchy and the fix, and no group", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await tree.put("/sys/fs/cgroup/cgroup.controllers", "cpu pids\n");
  await assert.rejects(createMemoryCgroup(tree, V2, "binpkgbot-s-1.pid-7", MB64), (error: unknown) =>
    error instanceof CgroupError && /^the cgroup v2 hierarchy at \/sys\/fs\/cgroup has no memory controller .* or leave memory_max out$/.test(error.message));
  assert.equal(await tree.exists("/sys/fs/cgroup/binpkgbot"), false);
});

test("a parent binpkgbot may not write in: a CgroupError naming the group and what to do", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await assert.rejects(createMemoryCgroup(tree, V1, "binpkgbot-s-1.pid-7", MB64), (error: unknown) =>
    error instanceof CgroupError && error.message.startsWith("cannot create the cgroup /sys/fs/cgroup/memory/build/binpkgbot-s-1.pid-7: ENOENT")
    && error.message.endsWith("; run binpkgbot as root, from a memory cgroup it may create groups in (/sys/fs/cgroup/memory/build), or leave memory_max out"));
});

test("a group of the same name (a retry whose removal failed) is replaced", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await tree.put("/sys/fs/cgroup/memory/build/binpkgbot-s-1.pid-7/memory.limit_in_bytes", "1\n");
  const group = await createMemoryCgroup(tree, V1, "binpkgbot-s-1.pid-7", MB64);
  assert.equal(await tree.read(`${group.path}/memory.limit_in_bytes`), "67108864\n");
});

test("oom_kill is read from memory.oom_control (v1) and memory.events (v2); 0 where the line is missing", () => {
  assert.equal(parseOomKills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"), 2);
  assert.equal(parseOomKills("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n"), 1);
  assert.equal(parseOomKills("oom_kill_disable 0\nunder_oom 0\n"), 0);
});

test("v1 counts a kill in the victim's own group, so the kills of groups nspawn made inside are added up", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  const group = { place: V1, path: "/sys/fs/cgroup/memory/build/binpkgbot-s-1.pid-7" };
  await tree.put(`${group.path}/memory.oom_control`, "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  await tree.put(`${group.path}/payload/memory.oom_control`, "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  assert.equal(await readOomKills(tree, group), 3);
});

test("v2's memory.events already counts the subtree: only the group's own file is read", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  const group = { place: V2, path: "/sys/fs/cgroup/binpkgbot/binpkgbot-s-1.pid-7" };
  await tree.put(`${group.path}/memory.events`, "oom 1\noom_kill 1\n");
  await tree.put(`${group.path}/payload/memory.events`, "oom 1\noom_kill 1\n");
  assert.equal(await readOomKills(tree, group), 1);
});

test("removal takes the groups nspawn made inside first, and kills a process left in one", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  const group = { place: V1, path: "/sys/fs/cgroup/memory/build/binpkgbot-s-1.pid-7" };
  await tree.put(`${group.path}/memory.limit_in_bytes`, "67108864\n");
  await tree.put(`${group.path}/payload/cgroup.procs`, "4711\n");
  const kill = tree.kill;
  // The killed process leaves its group, as the kernel's would.
  tree.kill = (pid) => { kill(pid); void tree.put(`${group.path}/payload/cgroup.procs`, ""); };
  await removeMemoryCgroup(tree, group);
  assert.deepEqual(tree.killed, [4711]);
  assert.equal(await tree.exists(group.path), false);
  assert.equal(await tree.exists("/sys/fs/cgroup/memory/build"), true);
});

test("removing a group that is gone already is not an error", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await removeMemoryCgroup(tree, { place: V1, path: "/sys/fs/cgroup/memory/build/binpkgbot-s-1.pid-7" });
});

test("the wrapper writes its own PID to cgroup.procs and execs the command under that PID", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "cgroup wrapper 'x' "));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const argv = renderCgroupWrapper(dir, ["sh", "-c", "echo $$"]);
  assert.deepEqual(argv.slice(0, 4), ["sh", "-c", 'echo $$ > "$0" && exec "$@"', path.join(dir, "cgroup.procs")]);
  const result = await nodeExec.run(argv);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await readFile(path.join(dir, "cgroup.procs"), "utf8"), result.stdout);
});

test("the wrapper runs nothing where the PID cannot be written", async () => {
  const result = await nodeExec.run(renderCgroupWrapper("/nonexistent/group", ["sh", "-c", "echo ran"]));
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, "");
});
