// The live log over a real status server: what the log file holds, each append while the task runs, then the end.
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { CATCH_UP_BYTES, FOLLOWER_BYTES_PER_SECOND, MAX_CLIENT_BYTES_PER_SECOND, pieceBytes, POLL_MS, wholeUtf8Length } from "../../../src/dashboard/live-log.js";
import { MAX_CONNECTIONS, startStatusServer, type RunningStatusServer } from "../../../src/server/status-server.js";
import { openStateDatabase, type StateDatabase } from "../../../src/state/database.js";
import { at, runStart, taskStart, tempStateDir } from "../state/state-fixtures.js";

/** A running task `a` with its log, served by a status server. */
async function runningTask(t: { after(fn: () => Promise<void>): void }, log: string | Buffer): Promise<{ server: RunningStatusServer; logPath: string; finish(): void }> {
  const stateDir = tempStateDir();
  const logPath = path.join(stateDir, "a.log");
  writeFileSync(logPath, log);
  const state: StateDatabase = openStateDatabase(stateDir);
  const runId = state.startRun(runStart(0));
  const taskResult = state.startTask({ ...taskStart(runId, "a", null, 0), logPath });
  const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, { stateDir: () => stateDir, daemon: () => ({ current: null }) });
  t.after(async () => {
    await server.close();
    state.close();
  });
  return {
    server, logPath,
    finish: () => {
      state.finishTask(taskResult, { result: "succeeded", exitCode: 0, durationMs: 1000 });
      state.finishRun(runId, { endedAt: at(1), result: "succeeded" });
    },
  };
}

/** One client of the live log: the log text it was sent (its data events joined), the bytes it got, and waiting for a pattern. */
async function follow(server: RunningStatusServer): Promise<{ until(pattern: RegExp): Promise<void>; log(): string; bytes(): number }> {
  const response = await fetch(`${server.url}/live/a`, { signal: AbortSignal.timeout(10_000) });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let raw = "";
  let bytes = 0;
  const log = (): string => [...raw.matchAll(/^data: (".*")$/gm)].map((match) => JSON.parse(match[1] ?? '""') as string).join("");
  return {
    log, bytes: () => bytes,
    until: async (pattern) => {
      while (!pattern.test(log()) && !pattern.test(raw)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${pattern}: ${raw.slice(-300)}`);
        bytes += value.length;
        raw += decoder.decode(value, { stream: true });
      }
    },
  };
}

/** `count` numbered 80-column lines. */
const lines = (count: number, from = 0): string => Array.from({ length: count }, (_, i) => `line ${String(from + i).padStart(8, "0")} ${"x".repeat(65)}\n`).join("");

describe("live log", () => {
  it("streams the log as it grows while the task runs, then the end with the result", async (t) => {
    const stateDir = tempStateDir();
    const logPath = path.join(stateDir, "a.log");
    writeFileSync(logPath, ">>> Emerging app-misc/a\n");
    const state = openStateDatabase(stateDir);
    const runId = state.startRun(runStart(0));
    const taskResult = state.startTask({ ...taskStart(runId, "a", null, 0), logPath });
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, { stateDir: () => stateDir, daemon: () => ({ current: null }) });
    t.after(() => server.close());
    const response = await fetch(`${server.url}/live/a`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = async (pattern: RegExp): Promise<void> => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the stream ended before ${pattern}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    await until(/Emerging app-misc\/a/);
    assert.match(text, /^event: task\ndata: \{"taskId":"a","runId":1,"result":"running"\}/);
    appendFileSync(logPath, ">>> Compiling source\n");
    await until(/Compiling source/);
    state.finishTask(taskResult, { result: "succeeded", exitCode: 0, durationMs: 1000 });
    state.finishRun(runId, { endedAt: at(1), result: "succeeded" });
    await until(/event: end\ndata: \{"result":"succeeded","durationMs":1000\}/);
    state.close();
  });

  it("answers 404 for a task with no result", async (t) => {
    const stateDir = tempStateDir();
    openStateDatabase(stateDir).close();
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, { stateDir: () => stateDir, daemon: () => ({ current: null }) });
    t.after(() => server.close());
    assert.equal((await fetch(`${server.url}/live/none`)).status, 404);
  });

  it("gives a client joining a task with a long log the end of it, from a line's start, and says how much came before", async (t) => {
    const big = lines(50_000);
    const { server, finish } = await runningTask(t, big);
    const client = await follow(server);
    await client.until(/line 00049999/);
    const log = client.log();
    const shown = log.slice(log.indexOf("]\n") + 2);
    assert.match(log, /^\n\[(\d+) bytes of the log not shown here: the completed log and binpkgbot log have them\]\n/);
    assert.equal(Number(/\[(\d+) bytes/.exec(log)?.[1]) + Buffer.byteLength(shown), big.length, "the note names every byte not sent");
    assert.ok(big.endsWith(shown) && shown.startsWith("line "), "the end of the log, from a line's start");
    assert.ok(Buffer.byteLength(shown) <= CATCH_UP_BYTES);
    finish();
    await client.until(/event: end/);
  });

  it("sends the latest lines of a burst to every client, within the follower's budget, and names the bytes skipped", async (t) => {
    const { server, logPath, finish } = await runningTask(t, "start\n");
    const clients = await Promise.all([1, 2, 3].map(() => follow(server)));
    for (const client of clients) await client.until(/start/);
    const burst = lines(100_000);
    appendFileSync(logPath, burst);
    for (const client of clients) await client.until(/line 00099999/);
    finish();
    for (const client of clients) {
      await client.until(/event: end/);
      const log = client.log();
      const skipped = [...log.matchAll(/\[(\d+) bytes of the log not shown here/g)].reduce((sum, match) => sum + Number(match[1]), 0);
      const shown = log.replace(/\n\[\d+ bytes of the log not shown here: [^\]]*\]\n/g, "");
      assert.equal(skipped + Buffer.byteLength(shown), "start\n".length + burst.length, "every byte is sent or named as skipped");
      assert.ok(client.bytes() < pieceBytes(3) * 4, `a burst of ${burst.length} bytes cost ${client.bytes()} bytes of stream`);
    }
  });

  it("never cuts a character in two between pieces", async (t) => {
    const { server, logPath, finish } = await runningTask(t, "");
    const client = await follow(server);
    appendFileSync(logPath, Buffer.from([0x62, 0x65, 0x66, 0x6f, 0x72, 0x65, 0x20, 0xe2, 0x82]));
    await client.until(/before/);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS * 2));
    appendFileSync(logPath, Buffer.from([0xac, 0x20, 0x61, 0x66, 0x74, 0x65, 0x72, 0x0a]));
    await client.until(/after/);
    assert.equal(client.log(), "before € after\n");
    finish();
    await client.until(/event: end/);
  });
});

describe("live log budget", () => {
  it("one client gets at most its own cap; however many follow (up to the server's connections), all together get at most the follower's", () => {
    assert.equal(pieceBytes(1), (MAX_CLIENT_BYTES_PER_SECOND * POLL_MS) / 1000);
    for (let clients = 1; clients <= MAX_CONNECTIONS; clients++) {
      assert.ok((clients * pieceBytes(clients) * 1000) / POLL_MS <= FOLLOWER_BYTES_PER_SECOND, `${clients} clients`);
      assert.ok(pieceBytes(clients) > 1000, `${clients} clients still get lines`);
    }
  });

  it("counts the bytes of whole UTF-8 characters at the end of a piece", () => {
    const euro = Buffer.from("a€", "utf8");
    assert.equal(wholeUtf8Length(euro, 4), 4);
    assert.equal(wholeUtf8Length(euro, 3), 1);
    assert.equal(wholeUtf8Length(euro, 2), 1);
    const emoji = Buffer.from("🙂", "utf8");
    assert.equal(wholeUtf8Length(emoji, 4), 4);
    assert.equal(wholeUtf8Length(emoji, 3), 0);
    assert.equal(wholeUtf8Length(Buffer.from("é"), 1), 0);
    assert.equal(wholeUtf8Length(Buffer.from("abc"), 3), 3);
    assert.equal(wholeUtf8Length(Buffer.alloc(0), 0), 0);
  });
});
