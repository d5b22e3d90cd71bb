// Client for status-server.ts, in a worker thread so that it never shares an event loop with the
// server: writes N pipelined GETs on one connection at once and counts the answers by status.
import net from "node:net";
import { parentPort, workerData } from "node:worker_threads";

export interface PipelineRequest {
  host: string;
  port: number;
  path: string;
  count: number;
  timeoutMs: number;
}

export interface PipelineResult {
  /** Answers per status code, e.g. { "200": 100, "503": 4900 }. */
  statuses: Record<string, number>;
  elapsedMs: number;
  /** How the connection ended: "answered" (all N), "closed" by the server, or "timeout". */
  end: "answered" | "closed" | "timeout";
}

function runPipeline(spec: PipelineRequest): Promise<PipelineResult> {
  return new Promise((resolve, reject) => {
    const result: PipelineResult = { statuses: {}, elapsedMs: 0, end: "timeout" };
    const started = performance.now();
    let answered = 0;
    let tail = "";
    const socket = net.connect(spec.port, spec.host);
    const finish = (end: PipelineResult["end"]): void => {
      clearTimeout(timer);
      result.end = end;
      result.elapsedMs = performance.now() - started;
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish("timeout"), spec.timeoutMs);
    socket.once("connect", () => socket.write(`GET ${spec.path} HTTP/1.1\r\nHost: ${spec.host}:${spec.port}\r\n\r\n`.repeat(spec.count)));
    socket.on("data", (chunk: Buffer) => {
      // Status lines only start responses: JSON bodies never hold "HTTP/1.1 ".
      const text = tail + chunk.toString("latin1");
      for (const match of text.matchAll(/HTTP\/1\.1 (\d{3}) /g)) {
        result.statuses[match[1] ?? "?"] = (result.statuses[match[1] ?? "?"] ?? 0) + 1;
        answered += 1;
      }
      tail = text.slice(-12).replace(/^.*HTTP\/1\.1 \d{3} /s, "");
      if (answered >= spec.count) finish("answered");
    });
    socket.once("close", () => finish("closed"));
    socket.once("error", (error) => (answered > 0 ? finish("closed") : reject(error)));
  });
}

if (parentPort) {
  const port = parentPort;
  runPipeline(workerData as PipelineRequest).then(
    (result) => port.postMessage(result),
    (error: unknown) => port.postMessage({ error: String(error) }),
  );
}
