import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Exec, ExecResult } from "../../../src/exec/exec.js";
import { canRegisterMachine, parseNspawnVersion, parseSharedLibraryVersion, probeHost } from "../../../src/container/host.js";

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

test("the version comes from the binary's systemd library where it names one: no process is started", async () => {
  const exec = execAnswering("systemd 999\n");
  const facts = await probeHost({
    exec,
    path: "/usr/bin",
    ...files({ "/proc/1/comm": "systemd\n", "/usr/bin/systemd-nspawn": "\x7fELF\u0002\u0001libc.so.6\u0000libsystemd-shared-252.so\u0000" }),
    isExecutable: async () => true,
  });
  assert.equal(facts.nspawnVersion, 252);
  assert.deepEqual(exec.calls, []);
  assert.equal(parseSharedLibraryVersion("x\u0000libsystemd-shared-255.4-1.fc40.so\u0000"), 255, "a distribution's longer tag");
  assert.equal(parseSharedLibraryVersion("libc.so.6 libsystemd.so.0"), null, "the public library says nothing");
});

test("the version comes from a real binary on disk, whatever bytes surround the library's name", async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-host-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const binary = path.join(dir, "systemd-nspawn");
  // Bytes that are no UTF-8 (0xff, a lone continuation byte, a cut sequence) right before and after the name.
  writeFileSync(binary, Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0xff, 0x80, 0xe2]), Buffer.from("libsystemd-shared-255.4-1.fc40.so"), Buffer.from([0x00, 0xc3, 0xff])]));
  chmodSync(binary, 0o755);
  const exec = execAnswering("systemd 999\n");
  const facts = await probeHost({ exec, path: dir });
  assert.equal(facts.nspawnPath, binary);
  assert.equal(facts.nspawnVersion, 255);
  assert.deepEqual(exec.calls, []);
});

test("parseNspawnVersion", () => {
  assert.equal(parseNspawnVersion("systemd 247 (247.3-7+deb11u4)\n"), 247);
  assert.equal(parseNspawnVersion("garbage"), null);
});
