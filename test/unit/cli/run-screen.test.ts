/* eslint-disable no-control-regex -- escape sequences are what these tests look for */
// What a run prints where: off a terminal only prefixed lines (journald, CI, a pipe); on a terminal
// the same lines with the live block of running tasks under them.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createEventPrinter } from "../../../src/cli/print-run.js";
import { openRunScreens } from "../../../src/cli/run-screen.js";
import type { EngineEvent } from "../../../src/engine/events.js";
import type { Step } from "../../../src/plan/plan.js";

function fakeStream(tty: boolean, columns = 40): NodeJS.WriteStream & { text(): string } {
  const parts: Buffer[] = [];
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { parts.push(Buffer.from(chunk)); done(); } });
  return Object.assign(stream, { isTTY: tty, columns, text: () => Buffer.concat(parts).toString() }) as unknown as NodeJS.WriteStream & { text(): string };
}

const step = (id: string): Step => ({ task: { id, title: `install ${id}` }, kind: "container", spec: { ephemeral: true } }) as unknown as Step;
const output = (id: string, text: string): EngineEvent => ({ kind: "output", step: step(id), stream: "stdout", chunk: Buffer.from(text) });

/** Two steps printing at once, each chunk ending inside a line. */
const EVENTS: EngineEvent[] = [
  { kind: "step-start", step: step("a"), index: 0, total: 2 },
  { kind: "step-start", step: step("b"), index: 1, total: 2 },
  output("a", "\x1b[32m>>> Emerging a\x1b[0m\ncompil"), output("b", ">>> Emerging b\nconfig"), output("a", "ing a.c\n"),
  output("b", "ure: ok\n"), { kind: "warning", message: "a warning" },
];

/** `pauseMs` between events: the terminal redraws at most every 100 ms. */
async function play(streams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }, pauseMs = 5): Promise<void> {
  let now = 1_000;
  const screens = openRunScreens(streams, { stdout: () => undefined, stderr: () => undefined }, { json: false, env: { TERM: "xterm" }, clock: () => now });
  const steps = createEventPrinter(screens.steps, () => now);
  const notices = createEventPrinter(screens.notices, () => now);
  for (const event of EVENTS) {
    now += 700;
    (event.kind === "warning" ? notices : steps)(event);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  screens.steps.close();
  screens.notices.close();
}

test("off a terminal: prefixed whole lines only, and no control code of binpkgbot's", async () => {
  const stdout = fakeStream(false);
  const stderr = fakeStream(false);
  await play({ stdout, stderr });
  assert.deepEqual(stdout.text().split("\n"), [
    "==> [1/2] a: install a", "==> [2/2] b: install b",
    "[a] \x1b[32m>>> Emerging a\x1b[0m", "[b] >>> Emerging b", "[a] compiling a.c", "[b] configure: ok", "",
  ], "the build's own colours pass through to the log untouched; binpkgbot adds none");
  assert.equal(stderr.text(), "warning: a warning\n");
});

test("on a terminal: the same lines scroll above a block of the running tasks, cut to the width", async () => {
  const stdout = fakeStream(true, 30);
  await play({ stdout, stderr: stdout }, 120);
  const text = stdout.text();
  assert.match(text, /\x1b\[\d+F\x1b\[J/, "the block is erased and redrawn in place");
  // What remains on screen: every erase removes the block lines printed before it.
  const screen: string[] = [];
  for (const part of text.split(/(\x1b\[\d+F\x1b\[J)/)) {
    const erase = /^\x1b\[(\d+)F\x1b\[J$/.exec(part);
    if (erase) screen.splice(screen.length - Number(erase[1]));
    else screen.push(...part.split("\n").slice(0, -1));
  }
  assert.deepEqual(screen, [
    "==> [1/2] a: install a", "==> [2/2] b: install b",
    "[a] \x1b[32m>>> Emerging a\x1b[0m", "[b] >>> Emerging b", "[a] compiling a.c", "[b] configure: ok", "warning: a warning",
  ], "at the end the block is gone and the lines stand in order");
  const blocks = text.split(/\x1b\[\d+F\x1b\[J/).slice(1).map((part) => part.split("\n").filter((line) => /^\[[ab]\] \d/.test(line)));
  const drawn = blocks.flat();
  assert.ok(drawn.some((line) => /^\[a\] \d+\.\ds {2}compiling a\.c$/.test(line)), drawn.join("\n"));
  for (const line of drawn) assert.ok([...line].length <= 30, line);
});

test("off a terminal, a buffer reused right after it was written is written as it was", async () => {
  const stdout = fakeStream(false);
  const screens = openRunScreens({ stdout, stderr: fakeStream(false) }, { stdout: () => undefined, stderr: () => undefined }, { json: false, env: {}, clock: () => 0 });
  const scratch = Buffer.from("[a] first line\n");
  screens.steps.write(scratch);
  Buffer.from("[a] other line\n").copy(scratch);
  screens.steps.write(scratch);
  await new Promise((resolve) => setImmediate(resolve));
  screens.steps.close();
  assert.equal(stdout.text(), "[a] first line\n[a] other line\n");
});

test("off a terminal, more than a batch written at once arrives whole and in order", async () => {
  const stdout = fakeStream(false);
  const screens = openRunScreens({ stdout, stderr: fakeStream(false) }, { stdout: () => undefined, stderr: () => undefined }, { json: false, env: {}, clock: () => 0 });
  const lines = Array.from({ length: 40_000 }, (_, index) => `[a] line ${index}\n`).join("");
  screens.steps.write(Buffer.from(lines));
  screens.steps.write("[a] after\n");
  await new Promise((resolve) => setImmediate(resolve));
  screens.steps.close();
  assert.equal(stdout.text(), `${lines}[a] after\n`);
});

/** A reader that takes 1 ms per write, and what was still queued each time `room()` let the lines go on. */
function slowStream(): NodeJS.WriteStream {
  const stream = new Writable({ highWaterMark: 16 * 1024, write(_chunk: Buffer, _encoding, done) { setTimeout(done, 1); } });
  return Object.assign(stream, { isTTY: false }) as unknown as NodeJS.WriteStream;
}

test("off a terminal, a reader that fell behind gets more lines while some are still queued, not only once it is idle", async () => {
  const stdout = slowStream();
  const screens = openRunScreens({ stdout, stderr: fakeStream(false) }, { stdout: () => undefined, stderr: () => undefined }, { json: false, env: {}, clock: () => 0 });
  screens.steps.write(Buffer.alloc(4 * 1024 * 1024, "x"));
  const room = screens.steps.room();
  assert.ok(room !== null, "4 MiB queued is more than the reader may be behind");
  await room;
  const queued = stdout.writableLength;
  assert.ok(queued > 0 && queued <= 256 * 1024, `released with ${queued} bytes still queued`);
  screens.steps.close();
});

test("off a terminal, a wait for room ends when the stream fails", async () => {
  const stdout = slowStream();
  const screens = openRunScreens({ stdout, stderr: fakeStream(false) }, { stdout: () => undefined, stderr: () => undefined }, { json: false, env: {}, clock: () => 0 });
  screens.steps.write(Buffer.alloc(4 * 1024 * 1024, "x"));
  const room = screens.steps.room();
  stdout.destroy(new Error("EPIPE"));
  await room;
  assert.equal(screens.steps.room(), null, "a failed stream has room for ever: its lines are dropped");
});
