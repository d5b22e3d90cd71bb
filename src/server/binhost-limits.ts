// The binhost faces the network: what one client, or many, may hold of it. Each limit has a
// `serve` flag (README "Limits of the binhost"); the defaults suit a LAN binhost with a soft
// descriptor limit of 1024 (systemd's default): every connection holds at most one file open.

export interface BinhostLimits {
  /** Open connections in all; the next one is closed at once (Node's server.maxConnections). */
  maxConnections: number;
  /** Open connections from one remote address; the next one is closed at once. */
  maxConnectionsPerAddress: number;
  /** Requests on one keep-alive connection; the last answer says `Connection: close`, later ones get 503. */
  maxRequestsPerConnection: number;
  /** Pipelined requests waiting behind the one being answered; one more closes the connection. */
  maxPipelineDepth: number;
  /** A response the client takes no byte of for this long is aborted and its connection closed. */
  sendTimeoutMs: number;
  /** The request head must arrive within this long, or the connection gets 408 and is closed. */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  idleTimeoutMs: number;
  /** Bytes of a binpkg read ahead per connection; about twice this is held per slow reader. */
  sendBufferBytes: number;
}

export const DEFAULT_LIMITS: Readonly<BinhostLimits> = {
  maxConnections: 400,
  maxConnectionsPerAddress: 32,
  maxRequestsPerConnection: 1000,
  maxPipelineDepth: 16,
  sendTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 5_000,
  sendBufferBytes: 256 * 1024,
};

/** One `serve` flag per limit, with its unit: the CLI, its help and the README use these names. */
export const LIMIT_FLAGS: Record<keyof BinhostLimits, { flag: string; unit: "count" | "ms" | "bytes" }> = {
  maxConnections: { flag: "max-connections", unit: "count" },
  maxConnectionsPerAddress: { flag: "max-connections-per-address", unit: "count" },
  maxRequestsPerConnection: { flag: "max-requests-per-connection", unit: "count" },
  maxPipelineDepth: { flag: "max-pipeline-depth", unit: "count" },
  sendTimeoutMs: { flag: "send-timeout", unit: "ms" },
  headersTimeoutMs: { flag: "headers-timeout", unit: "ms" },
  idleTimeoutMs: { flag: "idle-timeout", unit: "ms" },
  sendBufferBytes: { flag: "send-buffer", unit: "bytes" },
};

export type LimitsResult = { ok: true; value: BinhostLimits } | { ok: false; message: string };

/** Pure: flag values (strings, as parseArgs gives them) over the defaults; every bad one is named. */
export function parseLimitFlags(values: Partial<Record<string, string>>): LimitsResult {
  const limits: BinhostLimits = { ...DEFAULT_LIMITS };
  const problems: string[] = [];
  for (const key of Object.keys(LIMIT_FLAGS) as (keyof BinhostLimits)[]) {
    const { flag, unit } = LIMIT_FLAGS[key];
    const text = values[flag];
    if (text === undefined) continue;
    const min = key === "maxPipelineDepth" ? 0 : 1;
    if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
      problems.push(`--${flag}: ${JSON.stringify(text)} must be a whole number${unit === "count" ? "" : ` of ${unit === "ms" ? "milliseconds" : "bytes"}`} of at least ${min}`);
      continue;
    }
    limits[key] = Number(text);
  }
  return problems.length > 0 ? { ok: false, message: problems.join("; ") } : { ok: true, value: limits };
}
