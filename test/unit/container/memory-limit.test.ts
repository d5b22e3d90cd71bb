// How memory_max is applied on a host, and a container run inside its own memory cgroup: a fake exec
// records the argv, a directory tree stands in for /proc/self and the cgroup filesystems.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Exec, ExecOptions, ExecResult } from "../../../src/exec/exec.js";
import { checkMemoryLimit, readMemoryLimitMethod } from "../../../src/container/memory-limit.js";
import { runContainer } from "../../../src/container/run-container.js";
import type { ContainerSpec } from "../../../src/container/nspawn-argv.js";
import { createCgroupTree, V1_MOUNTINFO, V1_PROC_CGROUP, V2_MOUNTINFO, V2_PROC_CGROUP, type CgroupTree } from "./cgroup-tree.js";

const GROUP_PARENT = "/sys/fs/cgroup/memory/build/runner";
const spec: ContainerSpec = {
  directory: "/srv/stage", ephemeral: false, machine: "binpkgbot-abc123-2", binds: [], env: {}, command: ["emerge", "app-misc/hungry"],
  register: false, sudo: false, memoryMax: 64 * 1024 * 1024,
};

async function v1Host(t: { after: (fn: () => Promise<void>) => void }): Promise<CgroupTree> {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  await tree.put("/proc/self/mountinfo", V1_MOUNTINFO);
  await tree.put("/proc/self/cgroup", V1_PROC_CGROUP);
  await tree.put(`${GROUP_PARENT}/memory.limit_in_bytes`, "9223372036854771712\n");
  return tree;
}

/** An exec that records argv and, while "running", lets `during` act on the group as the kernel would. */
function recordingExec(during: (argv: readonly string[]) => Promise<void> = async () => undefined, code = 0): Exec & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async run(argv: readonly string[], _options?: ExecOptions): Promise<ExecResult> {
      calls.push([...argv]);
      await during(argv);
      return { argv, code, signal: null, stdout: "", stderr: "" };
    },
  };
}

test("systemd as PID 1: the scope unit's property, whoever runs binpkgbot", async (t) => {
  const tree = await createCgroupTree();
  t.after(() => tree.close());
  assert.deepEqual(await readMemoryLimitMethod(true, { fs: tree, uid: 1000, pid: 1 }), { kind: "systemd-property" });
});

test("no systemd: a cgroup v1 place where the memory hierarchy is, v2 where cgroup2 offers memory", async (t) => {
  const tree = await v1Host(t);
  assert.deepEqual(await readMemoryLimitMethod(false, { fs: tree, uid: 0, pid: 1 }), { kind: "cgroup", place: { version: 1, mountPoint: "/sys/fs/cgroup/memory", parent: GROUP_PARENT } });
  const v2 = await createCgroupTree();
  t.after(() => v2.close());
  await v2.put("/proc/self/mountinfo", V2_MOUNTINFO);
  await v2.put("/proc/self/cgroup", V2_PROC_CGROUP);
  await v2.put("/sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");
  assert.deepEqual(await readMemoryLimitMethod(false, { fs: v2, uid: 0, pid: 1 }), { kind: "cgroup", place: { version: 2, mountPoint: "/sys/fs/cgroup", parent: "/sys/fs/cgroup/binpkgbot" } });
});

test("no systemd and not root, or no memory controller anywhere: unavailable, saying why and what to do", async (t) => {
  const tree = await v1Host(t);
  const notRoot = await readMemoryLimitMethod(false, { fs: tree, uid: 1000, pid: 1 });
  assert.equal(notRoot.kind, "unavailable");
  assert.match(notRoot.kind === "unavailable" ? notRoot.reason : "", /^binpkgbot runs as UID 1000 and only root may create cgroups: run it as root/);
  const bare = await createCgroupTree();
  t.after(() => bare.close());
  await bare.put("/proc/self/mountinfo", V2_MOUNTINFO);
  await bare.put("/sys/fs/cgroup/cgroup.controllers", "cpu pids\n");
  const none = await readMemoryLimitMethod(false, { fs: bare, uid: 0, pid: 1 });
  assert.equal(none.kind, "unavailable");
  assert.equal(await checkMemoryLimit(none, { fs: bare, uid: 0, pid: 1 }), `memory_max cannot be applied on this host: ${none.kind === "unavailable" ? none.reason : ""}`);
});

test("the check before a run makes a group and removes it again, and reports a group it cannot make", async (t) => {
  const tree = await v1Host(t);
  const method = await readMemoryLimitMethod(false, { fs: tree, uid: 0, pid: 99 });
  assert.equal(await checkMemoryLimit(method, { fs: tree, uid: 0, pid: 99 }), null);
  assert.deepEqual(await tree.readSubdirs(GROUP_PARENT), []);
  const broken = { kind: "cgroup" as const, place: { version: 1 as const, mountPoint: "/sys/fs/cgroup/memory", parent: "/sys/fs/cgroup/memory/gone" } };
  assert.match(await checkMemoryLimit(broken, { fs: tree, uid: 0, pid: 99 }) ?? "", /^memory_max cannot be applied on this host: cannot create the cgroup \/sys\/fs\/cgroup\/memory\/gone\/binpkgbot-check\.pid-99: ENOENT/);
});

test("a container with memory_max and no systemd starts inside its own limited group, gets its OOM kills, and the group goes", async (t) => {
  const tree = await v1Host(t);
  const group = `${GROUP_PARENT}/binpkgbot-abc123-2.pid-${process.pid}`;
  let limitWhileRunning = "";
  const exec = recordingExec(async () => {
    limitWhileRunning = await tree.read(`${group}/memory.limit_in_bytes`);
    await tree.put(`${group}/memory.oom_control`, "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  }, 1);
  const result = await runContainer(exec, { ...spec, argv: ["setpriv", "--pdeathsig", "TERM", "--", "systemd-nspawn", "--quiet"] }, { cgroupFs: tree });
  assert.deepEqual(exec.calls, [["sh", "-c", 'echo $$ > "$0" && exec "$@"', `${group}/cgroup.procs`, "setpriv", "--pdeathsig", "TERM", "--", "systemd-nspawn", "--quiet"]]);
  assert.equal(limitWhileRunning, "67108864\n");
  assert.equal(result.oomKills, 1);
  assert.equal(result.code, 1);
  assert.equal(await tree.exists(group), false);
});

test("the group goes when the run throws, too", async (t) => {
  const tree = await v1Host(t);
  const exec: Exec = { run: async () => { throw new Error("cannot start"); } };
  await assert.rejects(runContainer(exec, spec, { cgroupFs: tree }), /cannot start/);
  assert.deepEqual(await tree.readSubdirs(GROUP_PARENT), []);
});

test("without memory_max, or where nspawn registers a scope, no group is made and the argv is nspawn's own", async (t) => {
  const tree = await v1Host(t);
  for (const each of [{ ...spec, memoryMax: undefined }, { ...spec, register: true }]) {
    const exec = recordingExec();
    const result = await runContainer(exec, each, { cgroupFs: tree });
    assert.equal(exec.calls[0]?.[0], "systemd-nspawn");
    assert.equal(result.oomKills, undefined);
  }
  assert.deepEqual(await tree.readSubdirs(GROUP_PARENT), []);
});
