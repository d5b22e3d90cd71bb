// Hostile load for serve-hostile.ts, in a worker thread: keep-alive pollers of `Packages`, slow
// readers of a binpkg and one client pipelining without reading. Every loop is bounded by the
// deadline; connections come from several loopback addresses (127.0.N.M) so that each stays
// under the per-address cap.
import http from "node:http";
import net from "node:net";
import { parentPort, workerData } from "node:worker_threads";

export interface HostileLoad {
  url: string;
  binpkg: string;
  pollers: number;
  slowReaders: number;
  perAddress: number;
  durationMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const address = (group: number, i: number, perAddress: number): string => `127.0.${group}.${1 + Math.floor(i / perAddress)}`;

/**
 * One keep-alive connection asking `Packages` with If-Modified-Since once a second, as a polling
 * client does; each starts at a random point of the first second, as independent clients would.
 */
async function poller(load: HostileLoad, deadline: number, localAddress: string, counts: { polls: number; errors: number }): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, localAddress } as http.AgentOptions);
  await sleep(Math.random() * 1_000);
  while (Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const req = http.get(`${load.url}/Packages`, { agent, headers: { "If-Modified-Since": new Date().toUTCString() } }, (res) => {
        res.resume().on("end", () => ((counts.polls += 1), resolve()));
      });
      req.on("error", () => ((counts.errors += 1), resolve()));
    });
    await sleep(1_000);
  }
  agent.destroy();
}

/** Asks for the binpkg and reads 16 KiB every half second until the deadline. */
async function slowReader(load: HostileLoad, deadline: number, localAddress: string): Promise<void> {
  const { hostname, port } = new URL(load.url);
  const socket = net.connect({ host: hostname, port: Number(port), localAddress });
  socket.on("error", () => {});
  socket.pause();
  socket.write(`GET /${load.binpkg} HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
  while (Date.now() < deadline && !socket.destroyed) {
    socket.read(16 * 1024);
    await sleep(500);
  }
  socket.destroy();
}

/** 20,000 pipelined GETs of `Packages` in one go, never read. */
async function pipeliner(load: HostileLoad, deadline: number): Promise<void> {
  const { hostname, port } = new URL(load.url);
  const socket = net.connect({ host: hostname, port: Number(port), localAddress: "127.0.3.1" });
  socket.on("error", () => {});
  socket.pause();
  socket.write(`GET /Packages HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`.repeat(20_000));
  while (Date.now() < deadline && !socket.destroyed) await sleep(100);
  socket.destroy();
}

async function run(load: HostileLoad): Promise<{ polls: number; errors: number }> {
  const deadline = Date.now() + load.durationMs;
  const counts = { polls: 0, errors: 0 };
  const lanes = [pipeliner(load, deadline)];
  for (let i = 0; i < load.pollers; i++) lanes.push(poller(load, deadline, address(1, i, load.perAddress), counts));
  for (let i = 0; i < load.slowReaders; i++) lanes.push(slowReader(load, deadline, address(2, i, load.perAddress)));
  await Promise.all(lanes);
  return counts;
}

if (parentPort) {
  const port = parentPort;
  run(workerData as HostileLoad).then((counts) => port.postMessage(counts), (error: unknown) => port.postMessage({ error: String(error) }));
}
