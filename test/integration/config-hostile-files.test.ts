// `binpkgbot validate -c FILE` on files that are no config: a FIFO, a device, a huge file, a file that
// floods the YAML parser. Each ends promptly with exit 3 and a message of one line, never a stack
// trace. No container is started, so these need no btrfs and no lock.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { MAX_CONFIG_FILE_BYTES } from "../../src/config/limits.js";
import { repoRoot } from "../support/fixtures.js";

const cli = path.join(repoRoot, "build", "src", "cli", "main.js");

function validate(file: string): { status: number | null; lines: string[] } {
  // A hang shows as a null status: the process is killed after the timeout.
  const run = spawnSync(process.execPath, [cli, "validate", "-c", file], { encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
  return { status: run.status, lines: run.stderr.trimEnd().split("\n") };
}

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-hostile-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("-c FIFO is refused at once: exit 3 and one line naming the file", (t) => {
  const fifo = path.join(tempDir(t), "binpkgbot.yml");
  execFileSync("mkfifo", [fifo]);
  const { status, lines } = validate(fifo);
  assert.equal(status, 3, lines.join("\n"));
  assert.deepEqual(lines, [
    `binpkgbot: ${fifo}:1:1: (top level): cannot read the config: is a FIFO, not a regular file; a config file must be a regular file (give the right file with -c PATH)`,
    "1 problem in the config; nothing was started",
  ]);
});

test("-c /dev/zero is refused without reading it", () => {
  const { status, lines } = validate("/dev/zero");
  assert.equal(status, 3, lines.join("\n"));
  assert.match(lines[0] ?? "", /^binpkgbot: \/dev\/zero:1:1: \(top level\): cannot read the config: is a character device, not a regular file/);
});

test("a config file over the size limit is refused, naming the limit", (t) => {
  const file = path.join(tempDir(t), "binpkgbot.yml");
  writeFileSync(file, `#${"x".repeat(MAX_CONFIG_FILE_BYTES)}\n`);
  const { status, lines } = validate(file);
  assert.equal(status, 3, lines.join("\n"));
  assert.deepEqual(lines, [
    `binpkgbot: ${file}:1:1: (top level): cannot read the config: larger than 1 MiB, the limit for one config file (split it into smaller includes, or check that it is the right file)`,
    "1 problem in the config; nothing was started",
  ]);
});

test("a file with 130,000 YAML errors is exit 3 with the first 50 and a count, not a stack overflow", (t) => {
  const file = path.join(tempDir(t), "binpkgbot.yml");
  writeFileSync(file, ":\n".repeat(130_000));
  const { status, lines } = validate(file);
  assert.equal(status, 3, lines.slice(0, 5).join("\n"));
  assert.equal(lines.length, 52);
  assert.match(lines[50] ?? "", /: \(top level\): and \d+ more problems, not listed \(only the first 50 are\)/);
  assert.match(lines[51] ?? "", /^\d+ problems in the config; nothing was started$/);
  assert.ok(!lines.some((line) => /^\s+at /.test(line)), "no stack trace");
});
