// Memory cgroups a kill -9 left: removed at the next start when their run is dead, kept when it lives.
import assert from "node:assert/strict";
import { test } from "node:test";
import { removeLeftoverCgroups } from "../../../src/container/leftovers.js";
import { createCgroupTree, V1_MOUNTINFO, V1_PROC_CGROUP } from "./cgroup-tree.js";

const PARENT = "/sys/fs/cgroup/memory/build/runner";

test("groups of dead runs go (with an orphaned container in one killed); live runs', our own and foreign groups stay", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await tree.put("/proc/self/mountinfo", V1_MOUNTINFO);
  await tree.put("/proc/self/cgroup", V1_PROC_CGROUP);
  await tree.put(`${PARENT}/memory.limit_in_bytes`, "9223372036854771712\n");
  for (const name of ["binpkgbot-aa-1.pid-100", "binpkgbot-aa-2.pid-100", "binpkgbot-bb-1.pid-200", "binpkgbot-cc-1.pid-300", "payload"]) {
    await tree.put(`${PARENT}/${name}/memory.limit_in_bytes`, "67108864\n");
  }
  await tree.put(`${PARENT}/binpkgbot-aa-2.pid-100/cgroup.procs`, "4711\n");
  const kill = tree.kill;
  tree.kill = (pid) => { kill(pid); void tree.put(`${PARENT}/binpkgbot-aa-2.pid-100/cgroup.procs`, ""); };
  const report = await removeLeftoverCgroups({ fs: tree, uid: 0, pid: 300 }, (pid) => pid === 200);
  assert.deepEqual(report, { removed: [`${PARENT}/binpkgbot-aa-1.pid-100`, `${PARENT}/binpkgbot-aa-2.pid-100`], problems: [] });
  assert.deepEqual(tree.killed, [4711]);
  assert.deepEqual((await tree.readSubdirs(PARENT)).sort(), ["binpkgbot-bb-1.pid-200", "binpkgbot-cc-1.pid-300", "payload"]);
});

test("a host without memory cgroups has nothing to recover", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  assert.deepEqual(await removeLeftoverCgroups({ fs: tree, uid: 0, pid: 1 }, () => false), { removed: [], problems: [] });
});
