// Load generator for serve-vs-nginx.ts, run in a worker thread so the client never shares an
// event loop with the server under test: N concurrent keep-alive lanes repeat one GET until
// the deadline, reading every body to the end.
import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";

export interface LoadRequest {
  url: string;
  headers: Record<string, string>;
  expectStatus: number;
  concurrency: number;
  durationMs: number;
}

export interface LoadResult {
  requests: number;
  bytes: number;
  elapsedMs: number;
  unexpected: string[];
}

async function runLoad(spec: LoadRequest): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.concurrency });
  const started = performance.now();
  const deadline = started + spec.durationMs;
  const result: LoadResult = { requests: 0, bytes: 0, elapsedMs: 0, unexpected: [] };
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline && result.unexpected.length === 0) {
      const { status, bytes } = await get(spec, agent);
      if (status !== spec.expectStatus) result.unexpected.push(`status ${status}`);
      result.requests += 1;
      result.bytes += bytes;
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, lane));
  result.elapsedMs = performance.now() - started;
  agent.destroy();
  return result;
}

function get(spec: LoadRequest, agent: http.Agent): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(spec.url, { agent, headers: spec.headers }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => (bytes += chunk.length));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

if (parentPort) {
  const port = parentPort;
  runLoad(workerData as LoadRequest).then(
    (result) => port.postMessage(result),
    (error: unknown) => port.postMessage({ error: String(error) }),
  );
}
