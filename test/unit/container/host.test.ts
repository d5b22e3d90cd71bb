import { test } from "node:test";
import assert from "node:assert/strict";
import type { Exec, ExecResult } from "../../../src/exec/exec.js";
import { canRegisterMachine, parseNspawnVersion, probeHost } from "../../../src/container/host.js";

function execAnswering(stdout: string, code = 0): Exec & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async run(argv): Promise<ExecResult> {
      calls.push([...argv]);
      return { argv, code, signal: null, stdout, stderr: "" };
    },
  };
}

const files = (entries: Record<string, string>) => ({
  readFile: async (path: string) => {
    const text = entries[path];
    if (text === undefined) throw new Error(`ENOENT ${path}`);
    return text;
  },
});

test("systemd host: finds nspawn on PATH, parses its version", async () => {
  const exec = execAnswering("systemd 252 (252.39-1~deb12u2)\n+PAM +AUDIT\n");
  const facts = await probeHost({
    exec,
    path: "relative:/usr/local/bin:/usr/bin",
    ...files({ "/proc/1/comm": "systemd\n" }),
    isExecutable: async (path) => path === "/usr/bin/systemd-nspawn" || path === "/run/systemd/system",
  });
  assert.deepEqual(facts, { systemdPid1: true, nspawnPath: "/usr/bin/systemd-nspawn", nspawnVersion: 252 });
  assert.deepEqual(exec.calls, [["/usr/bin/systemd-nspawn", "--version"]]);
  assert.equal(canRegisterMachine(facts), true);
});

test("container-like host: /run/systemd/system without systemd as PID 1", async () => {
  const facts = await probeHost({
    exec: execAnswering("systemd 255 (255.4)\n"),
    path: "/usr/bin",
    ...files({ "/proc/1/comm": "process_api\n" }),
    isExecutable: async () => true,
  });
  assert.equal(facts.systemdPid1, false);
  assert.equal(canRegisterMachine(facts), false);
});

test("no nspawn installed: nulls, no exec", async () => {
  const exec = execAnswering("");
  const facts = await probeHost({ exec, path: "/usr/bin:/bin", ...files({}), isExecutable: async () => false });
  assert.deepEqual(facts, { systemdPid1: false, nspawnPath: null, nspawnVersion: null });
  assert.deepEqual(exec.calls, []);
});

test("parseNspawnVersion", () => {
  assert.equal(parseNspawnVersion("systemd 247 (247.3-7+deb11u4)\n"), 247);
  assert.equal(parseNspawnVersion("garbage"), null);
});
