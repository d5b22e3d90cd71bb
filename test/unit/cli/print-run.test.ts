// The summary table after a run stays readable in 100 columns: a binpkg's long USE list continues on
// the next lines, under its own column.
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderSummary } from "../../../src/cli/print-run.js";
import { wrapLine, wrapText } from "../../../src/cli/wrap.js";
import type { StepOutcome } from "../../../src/engine/events.js";
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
