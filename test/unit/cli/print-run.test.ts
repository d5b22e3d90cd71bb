// The summary table after a run stays readable in 100 columns: a binpkg's long USE list continues on
// the next lines, under its own column.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createEventPrinter, renderSummary } from "../../../src/cli/print-run.js";
import { createLineScreen } from "../../../src/cli/run-screen.js";
import { wrapLine, wrapText } from "../../../src/cli/wrap.js";
import type { StepOutcome } from "../../../src/engine/events.js";
import type { Failure } from "../../../src/failure/failure.js";
import type { Step } from "../../../src/plan/plan.js";

const FFMPEG_USE = "X alsa amd64 bzip2 dav1d elibc_glibc encode gnutls gpl iconv kernel_linux libass libdrm libtheora libvorbis libx264 network opus postproc pulseaudio svg threads truetype vaapi vdpau vorbis vpx x265 xml zlib".split(" ");

function outcome(id: string, use: string[]): StepOutcome {
  const step = { task: { id, kind: "install", title: id, origin: "binpkgbot.yml:1" } } as unknown as Step;
  return { step, result: "succeeded", exitCode: 0, durationMs: 754_000, added: [{ cpv: "media-video/ffmpeg-6.1.2", buildId: 3, path: "p", use, slot: "0", eapi: "8", fields: {} }] };
}

test("words wrap at the width; a longer word stands alone; continuations are indented", () => {
  assert.deepEqual(wrapText("aa bb cc dd", 5), ["aa bb", "cc dd"]);
  assert.deepEqual(wrapText("abcdefgh ij", 5), ["abcdefgh", "ij"]);
  assert.deepEqual(wrapLine("aa bb cc dd ee", 8, "  "), ["aa bb cc", "  dd ee"]);
});

test("the summary stays within 100 columns and keeps every USE flag", () => {
  const text = renderSummary([outcome("install-media-video-ffmpeg-bb4de6", FFMPEG_USE), outcome("tmux", ["amd64"])]);
  const lines = text.split("\n");
  for (const line of lines) assert.ok(line.length <= 100, `${line.length}: ${line}`);
  assert.match(lines[1] ?? "", /^install-media-video-ffmpeg-bb4de6 {2}succeeded {2}12m34s {2}media-video\/ffmpeg-6\.1\.2-3 \[X alsa/);
  const column = (lines[1] ?? "").indexOf("media-video/");
  assert.ok(lines[2]?.startsWith(`${" ".repeat(column)}  `), "a continuation starts under its column");
  assert.equal(text.replace(/\s+/g, " ").includes(`[${FFMPEG_USE.join(" ")}]`), true, "every flag, in order");
  assert.match(lines.at(-1) ?? "", /^tmux +succeeded +12m34s +media-video\/ffmpeg-6\.1\.2-3 \[amd64\]$/);
});

function failed(id: string, failure?: Failure): StepOutcome {
  const step = { task: { id, kind: "install", title: id, origin: "binpkgbot.yml:1" } } as unknown as Step;
  return { step, result: "failed", exitCode: 1, durationMs: 2_000, added: [], reason: `exit code 1; see /logs/${id}.log`, ...(failure ? { failure } : {}) };
}

test("a failed step's class, summary, fix and first details follow the table, indented; a step without a failure adds nothing", () => {
  const details = Array.from({ length: 8 }, (_, index) => `error line ${index + 1}${index === 0 ? ` ${"x".repeat(120)}` : ""}`);
  const failure: Failure = {
    class: "build", summary: "app-misc/broken-1.0 failed in src_compile", details, packages: ["app-misc/broken-1.0"],
    fix: ["read the build log: binpkgbot log broken", "mask the version until it is fixed: modifiers: {mask: [=app-misc/broken-1.0]}"],
    buildLog: "/logs/broken/build.log", phase: "src_compile",
  };
  const text = renderSummary([outcome("hello", ["amd64"]), failed("broken", failure), failed("plain")]);
  const lines = text.split("\n");
  const start = lines.indexOf("broken (build): app-misc/broken-1.0 failed in src_compile");
  assert.ok(start > 0, text);
  assert.equal(lines[start - 1], "", "a blank line before the block");
  assert.match(lines[start - 2] ?? "", /^plain +failed +2\.0s +exit code 1; see \/logs\/plain\.log$/, "the block comes after the table");
  assert.deepEqual(lines.slice(start + 1), [
    "  fix: read the build log: binpkgbot log broken",
    "  fix: mask the version until it is fixed: modifiers: {mask: [=app-misc/broken-1.0]}",
    `  > error line 1 ${"x".repeat(100 - "  > error line 1 ".length - 1)}…`,
    "  > error line 2", "  > error line 3", "  > error line 4", "  > error line 5",
    "  > … 3 more line(s): binpkgbot log broken",
    "  build log: /logs/broken/build.log",
  ]);
  for (const line of lines) assert.ok(line.length <= 100, `${line.length}: ${line}`);
  assert.equal(lines.filter((line) => line.startsWith("plain")).length, 1, "no block for a failed step without a failure");
});

test("a failure with few details shows them all, with no build log line when there is none", () => {
  const failure: Failure = { class: "fetch", summary: "could not fetch tmux-3.4.tar.gz", fix: ["check the mirrors"], details: ["https://example.org/tmux-3.4.tar.gz: 404"], packages: [] };
  const lines = renderSummary([failed("tmux", failure)]).split("\n");
  assert.deepEqual(lines.slice(2), ["", "tmux (fetch): could not fetch tmux-3.4.tar.gz", "  fix: check the mirrors", "  > https://example.org/tmux-3.4.tar.gz: 404"]);
});

test("the line at a failed step's end names its failure class", () => {
  const lines: string[] = [];
  const print = createEventPrinter(createLineScreen((line) => void lines.push(line)));
  const fetchFailure: Failure = { class: "fetch", summary: "could not fetch tmux-3.4.tar.gz", fix: [], details: [], packages: [] };
  print({ kind: "step-end", outcome: failed("tmux", fetchFailure), index: 0, total: 2 });
  print({ kind: "step-end", outcome: failed("plain"), index: 1, total: 2 });
  assert.deepEqual(lines, ["<== tmux: failed (fetch) in 2.0s (exit code 1; see /logs/tmux.log)", "<== plain: failed in 2.0s (exit code 1; see /logs/plain.log)"]);
});

test("nspawn's harmless exit warning in a task's output (stdout and stderr come together) stays off the screen, the lines around it do not", () => {
  const printed: string[] = [];
  const print = createEventPrinter(createLineScreen((line) => printed.push(line)), () => 0);
  const step = { task: { id: "t", kind: "run", title: "t", origin: "binpkgbot.yml:1" }, kind: "host" } as unknown as Step;
  const noise = 'Attempted to remove disk file system under "/run/systemd/nspawn/propagate/binpkgbot-1", and we can\'t allow that.';
  print({ kind: "output", step, stream: "stdout", chunk: Buffer.from(`built\n${noise}\ndone\n`) });
  // Written on exit after a last line without newline, it goes on that line.
  print({ kind: "output", step, stream: "stdout", chunk: Buffer.from(`no newline at the end${noise}\n`) });
  assert.deepEqual(printed, ["[t] built", "[t] done", "[t] no newline at the end"]);
});
