/* eslint-disable no-control-regex -- escape sequences are what these tests look for */
// The live block under a run's log on a terminal: one line per running task, never wider than the
// terminal, and nothing in it that moves the cursor.
import assert from "node:assert/strict";
import { test } from "node:test";
import { cutToWidth, renderLiveBlock, visibleText } from "../../../src/cli/live-block.js";

test("one line per running task: its name, elapsed time and latest output line, in the order given", () => {
  const lines = renderLiveBlock({
    now: 100_000, width: 80,
    tasks: [
      { id: "install-tmux", startedAt: 98_500, lastLine: ">>> Compiling source in /var/tmp/portage/app-misc/tmux-3.4" },
      { id: "upgrade-world", startedAt: 25_000, lastLine: "" },
    ],
  });
  assert.deepEqual(lines, ["[install-tmux] 1.5s  >>> Compiling source in /var/tmp/portage/app-misc/tmux-3.4", "[upgrade-world] 1m15s"]);
});

test("every line is cut to the terminal width, with an ellipsis where it was cut", () => {
  const lastLine = `make[2]: ${"x".repeat(200)}`;
  for (const width of [20, 41, 80]) {
    const [line] = renderLiveBlock({ now: 5_000, width, tasks: [{ id: "install-ffmpeg", startedAt: 0, lastLine }] });
    assert.equal([...(line ?? "")].length, width, `width ${width}: ${line}`);
    assert.ok(line?.endsWith("…"));
  }
  assert.equal(cutToWidth("exactly10!", 10), "exactly10!");
  assert.equal(cutToWidth("äöü€𝄞abcdef", 6), "äöü€𝄞…", "counts characters, not UTF-16 units or bytes");
});

test("a build's colours, cursor moves, tabs and carriage returns do not reach the block", () => {
  assert.equal(visibleText("\x1b[32m * \x1b[0mChecking\tdeps\x1b[2K"), " * Checking deps");
  assert.equal(visibleText("  10%\r  55%\r  90% done"), "  90% done", "a progress meter shows its last state");
  const [line] = renderLiveBlock({ now: 0, width: 80, tasks: [{ id: "t", startedAt: 0, lastLine: "\x1b[1mbold\x1b[m\x07" }] });
  assert.equal(line, "[t] 0.0s  bold");
  assert.doesNotMatch(line ?? "", /[\x00-\x1f\x7f]/);
});
