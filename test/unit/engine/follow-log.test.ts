// A step's log is followed while its command writes it: every byte after the header is handed on once,
// in order, also what is written in the last moment before the command ends, and a slow listener
// neither loses bytes nor sees its chunk overwritten by the read ahead.
import assert from "node:assert/strict";
import { appendFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { followLog } from "../../../src/engine/follow-log.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function withLog(run: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "follow-log-"));
  try {
    const file = path.join(dir, "task.log");
    await writeFile(file, "header\n");
    await run(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("what is written after the header while the command runs is handed on whole and in order, the header not", async () => {
  await withLog(async (file) => {
    let finish = (): void => undefined;
    const ended = new Promise<void>((resolve) => (finish = resolve));
    const got: string[] = [];
    const following = followLog(file, { from: "header\n".length, ended, onChunk: (chunk) => void got.push(chunk.toString()), readBytes: 7, pollMs: 5 });
    let written = "";
    for (let index = 0; index < 30; index++) {
      const piece = `line ${index}\n`;
      await appendFile(file, piece);
      written += piece;
      if (index % 10 === 0) await sleep(15);
    }
    // Written in the last moment, right before the command ends: still handed on.
    await appendFile(file, "partial last line");
    finish();
    await following;
    assert.equal(got.join(""), `${written}partial last line`);
    assert.ok(got.every((chunk) => chunk.length <= 7), "read in pieces of at most readBytes");
  });
});

test("output reaches the listener while the command still runs", async () => {
  await withLog(async (file) => {
    let finish = (): void => undefined;
    const ended = new Promise<void>((resolve) => (finish = resolve));
    let got = "";
    const following = followLog(file, { from: "header\n".length, ended, onChunk: (chunk) => void (got += chunk.toString()), pollMs: 5 });
    await appendFile(file, "early\n");
    for (let tries = 0; tries < 200 && got === ""; tries++) await sleep(5);
    assert.equal(got, "early\n", "before the end");
    finish();
    await following;
  });
});

test("a slow listener keeps its chunk intact while the next is read, and gets every byte", async () => {
  await withLog(async (file) => {
    const text = Array.from({ length: 2000 }, (_, index) => `${index}\n`).join("");
    await appendFile(file, text);
    let got = "";
    await followLog(file, {
      from: "header\n".length, ended: Promise.resolve(), readBytes: 1000,
      onChunk: async (chunk) => {
        const seen = chunk.toString();
        await sleep(2);
        assert.equal(chunk.toString(), seen, "the read ahead went to another buffer");
        got += seen;
      },
    });
    assert.equal(got, text);
  });
});
