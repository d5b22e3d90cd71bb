// Where memory cgroups go, read from /proc/self/cgroup and /proc/self/mountinfo (pure).
import assert from "node:assert/strict";
import { test } from "node:test";
import { findCgroupV1, findCgroupV2, parseCgroupOwner, renderCgroupName } from "../../../src/container/cgroup-location.js";
import { V1_MOUNTINFO, V1_PROC_CGROUP, V2_MOUNTINFO } from "./cgroup-tree.js";

test("cgroup v1: inside the memory group binpkgbot runs in, under the memory hierarchy's mount", () => {
  assert.deepEqual(findCgroupV1(V1_PROC_CGROUP, V1_MOUNTINFO), { version: 1, mountPoint: "/sys/fs/cgroup/memory", parent: "/sys/fs/cgroup/memory/build/runner" });
});

test("cgroup v1 mounted from inside the hierarchy (a cgroup namespace or a bind): the path is taken relative to the mount's root", () => {
  const mountinfo = "35 31 0:32 /build /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
  assert.deepEqual(findCgroupV1("4:memory:/build/runner\n", mountinfo)?.parent, "/sys/fs/cgroup/memory/runner");
  assert.equal(findCgroupV1("4:memory:/elsewhere\n", mountinfo), null);
});

test("cgroup v1 with memory co-mounted, in a mount point with a blank (\\040 in mountinfo)", () => {
  const mountinfo = "35 31 0:32 / /sys/fs/cgroup/cpu\\040memory rw - cgroup cgroup rw,cpu,memory\n";
  assert.deepEqual(findCgroupV1("4:cpu,memory:/a\n", mountinfo)?.parent, "/sys/fs/cgroup/cpu memory/a");
});

test("no memory hierarchy, or the process in no memory group: no v1 place", () => {
  assert.equal(findCgroupV1("0::/\n", V2_MOUNTINFO), null);
  assert.equal(findCgroupV1("4:cpu:/a\n", V1_MOUNTINFO), null);
});

test("cgroup v2: a group 'binpkgbot' at the root of the unified hierarchy, not binpkgbot's own group", () => {
  assert.deepEqual(findCgroupV2(V2_MOUNTINFO), { version: 2, mountPoint: "/sys/fs/cgroup", parent: "/sys/fs/cgroup/binpkgbot" });
  assert.deepEqual(findCgroupV2(V1_MOUNTINFO)?.parent, "/sys/fs/cgroup/unified/binpkgbot");
  assert.equal(findCgroupV2("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"), null);
});

test("group names carry the machine (stage and step) and the run's PID, and only binpkgbot's names give an owner", () => {
  const name = renderCgroupName("binpkgbot-a1b2c3-4", 4242);
  assert.equal(name, "binpkgbot-a1b2c3-4.pid-4242");
  assert.equal(parseCgroupOwner(name), 4242);
  for (const foreign of ["payload", "binpkgbot", "system.slice", "binpkgbot-x.pid-", "other-a.pid-12", "binpkgbot-a/b.pid-1"]) {
    assert.equal(parseCgroupOwner(foreign), null, foreign);
  }
});
