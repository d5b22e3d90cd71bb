// The status server against hostile clients: names it does not answer to (DNS rebinding), a client
// that pipelines without end, and an address that other hosts reach (with the dashboard token it needs there).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { isAllowedHost, isLoopbackAddress, MAX_CONNECTIONS, MAX_REQUESTS_PER_SOCKET, startStatusServer } from "../../../src/server/status-server.js";

const stateDir = await mkdtemp(path.join(tmpdir(), "binpkgbot-status-limits-"));
after(() => rm(stateDir, { recursive: true, force: true }));

function counted() {
  const calls = { daemon: 0 };
  return { calls, source: { stateDir: () => stateDir, daemon: () => ((calls.daemon += 1), { schedule: "1h", nextTick: null, current: null }) } };
}

/** Writes `count` pipelined GETs at once; resolves with the status codes read once the server closes (or resets) or all are answered. */
function pipeline(port: number, count: number, host = `127.0.0.1:${port}`): Promise<string[]> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    let text = "";
    const done = (): void => {
      socket.destroy();
      resolve([...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1] ?? ""));
    };
    socket.once("connect", () => socket.write(`GET /status HTTP/1.1\r\nHost: ${host}\r\n\r\n`.repeat(count)));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if ((text.match(/HTTP\/1\.1 /g) ?? []).length >= count) done();
    });
    socket.once("close", done);
    socket.once("error", done);
  });
}

describe("Host", () => {
  it("IP literals, localhost and the listen address's name are served; other names are not", () => {
    for (const host of ["127.0.0.1:8735", "127.0.0.1", "[::1]:8735", "localhost:8735", "LOCALHOST.", "192.168.1.5:8735"]) assert.equal(isAllowedHost(host, "127.0.0.1"), true, host);
    for (const host of ["evil.example:8735", "evil.example", "127.0.0.1.evil.example:8735", "localhost.evil.example", ""]) assert.equal(isAllowedHost(host, "127.0.0.1"), false, host);
    assert.equal(isAllowedHost("Builder.LAN:8735", "builder.lan"), true);
    assert.equal(isAllowedHost("other.lan:8735", "builder.lan"), false);
  });

  it("a page of another name gets 421 with the address to use, and nothing of the status", async (t) => {
    const { calls, source } = counted();
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, source);
    t.after(() => server.close());
    const { port } = new URL(server.url);
    const answers = await pipeline(Number(port), 1, `rebound.evil.example:${port}`);
    assert.deepEqual(answers, ["421"]);
    assert.equal(calls.daemon, 0);
    const response = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), "127.0.0.1", () => socket.end(`GET /status HTTP/1.1\r\nHost: rebound.evil.example\r\nConnection: close\r\n\r\n`));
      let text = "";
      socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
      socket.once("close", () => resolve(text));
    });
    assert.match(response, /Host 'rebound\.evil\.example' is not this status server's address: ask for http:\/\/127\.0\.0\.1:\d+\/status/);
  });
});

describe("pipelining", () => {
  it(`a connection is served at most ${MAX_REQUESTS_PER_SOCKET} requests; a client that pipelines past it loses the connection`, async (t) => {
    const { calls, source } = counted();
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, source);
    t.after(() => server.close());
    const answers = await pipeline(Number(new URL(server.url).port), 1_000);
    assert.ok(calls.daemon <= MAX_REQUESTS_PER_SOCKET, `${calls.daemon} requests handled`);
    assert.ok(answers.length < 1_000, "the connection was closed");
    assert.ok(answers.every((status) => status === "200"), "no 503 written for each request past the limit");
  });

  it("a client that waits for each answer is served on, over new connections", async (t) => {
    const { source } = counted();
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, source);
    t.after(() => server.close());
    for (let i = 0; i < MAX_REQUESTS_PER_SOCKET + 5; i += 1) {
      const response = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(5_000) });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
  });
});

describe("connections", () => {
  it(`at most ${MAX_CONNECTIONS} are served at once; one more is closed unanswered`, async (t) => {
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, counted().source);
    t.after(() => server.close());
    const port = Number(new URL(server.url).port);
    // Each connection gets an answer, so the server has accepted all of them before the next one comes.
    const sockets = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
      socket.once("data", () => resolve(socket));
      socket.once("error", reject);
    })));
    t.after(() => sockets.forEach((socket) => socket.destroy()));
    assert.deepEqual(await pipeline(port, 1), [], "the connection past the limit is closed");
    sockets.pop()?.destroy();
    // The server learns of the close asynchronously: ask again until it has.
    let answers: string[] = [];
    for (let attempt = 0; attempt < 50 && answers.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answers = await pipeline(port, 1);
    }
    assert.deepEqual(answers, ["200"], "a freed place is served");
  });
});

describe("the listen address", () => {
  it("loopback is local; any other address is not", () => {
    for (const address of ["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1"]) assert.equal(isLoopbackAddress(address), true, address);
    for (const address of ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "::ffff:10.0.0.1", "fe80::1"]) assert.equal(isLoopbackAddress(address), false, address);
  });

  it("a server other hosts can reach comes with a warning that says how to keep it local", async (t) => {
    const tokenFile = path.join(stateDir, "dashboard-token");
    writeFileSync(tokenFile, "0123456789abcdef0123456789abcdef\n");
    const open = await startStatusServer({ host: "0.0.0.0", port: 0 }, { ...counted().source, dashboard: { tokenFile, log: () => undefined, runNow: async () => "" } });
    t.after(() => open.close());
    assert.match(open.warning ?? "", /^the status server listens on http:\/\/0\.0\.0\.0:\d+, which other hosts can reach: .*set status_listen: 127\.0\.0\.1:\d+ unless that is meant$/);
    const local = await startStatusServer({ host: "127.0.0.1", port: 0 }, counted().source);
    t.after(() => local.close());
    assert.equal(local.warning, null);
  });
});
