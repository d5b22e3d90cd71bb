// memory_max: the most memory one container may use. Pure: the value in, bytes or an issue out.
import type { ConfigIssue } from "./issues.js";

/** Below this not even emerge starts; a smaller value is surely a missing unit ("64" meant "64M"). */
export const MIN_MEMORY_MAX = 16 * 1024 * 1024;

// The suffixes systemd.resource-control(5) MemoryMax= takes: "K, M, G, or T … to the base of 1024".
const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export type SizeParse = { ok: true; bytes: number } | { ok: false; message: string; hint: string };

/** "4G" → 4294967296, "512M", "1536M", "2048K", or plain bytes; the base is 1024 as in systemd. */
export function parseSize(text: string): SizeParse {
  const hint = "write a whole number with K, M, G or T (base 1024), e.g. memory_max: 4G or memory_max: 512M";
  const match = /^\s*(\d{1,16})\s*([KMGT]?)\s*$/i.exec(text);
  if (!match) return { ok: false, message: `'${text}' is not a size`, hint };
  const bytes = Number(match[1]) * (UNITS[(match[2] ?? "").toUpperCase()] ?? 1);
  if (!Number.isSafeInteger(bytes)) return { ok: false, message: `'${text}' is larger than any host's memory`, hint };
  if (bytes < MIN_MEMORY_MAX) {
    return { ok: false, message: `'${text}' is ${bytes} bytes, too little for a container (at least 16M)`, hint };
  }
  return { ok: true, bytes };
}

/** memory_max in bytes, null where absent; a bad value reports an issue and means no limit (the config is rejected). */
export function normalizeMemoryMax(value: string | undefined, report: (issue: Omit<ConfigIssue, "file">) => void): number | null {
  if (value === undefined) return null;
  const parsed = parseSize(value);
  if (parsed.ok) return parsed.bytes;
  report({ path: ["memory_max"], message: parsed.message, hint: parsed.hint });
  return null;
}
