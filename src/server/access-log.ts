// Pure: one access-log line per request, close to the common log format so the usual tools
// (goaccess, awk one-liners) read it: remote, time, request line, status, bytes, then duration
// and, for a refusal, why (the client only ever sees 404, the operator needs the reason).

export interface AccessRecord {
  remote: string;
  time: Date;
  method: string;
  target: string;
  httpVersion: string;
  status: number;
  /** Body bytes sent, or undefined when the response had no body. */
  bytes: number | undefined;
  durationMs: number;
  /** The client went away before the response was complete. */
  aborted: boolean;
  note?: string | undefined;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export function formatAccessLine(r: AccessRecord): string {
  const request = `${escapeLogText(r.method)} ${escapeLogText(r.target)} HTTP/${escapeLogText(r.httpVersion)}`;
  const bytes = r.bytes === undefined ? "-" : String(r.bytes);
  const tail = [`${r.durationMs.toFixed(1)}ms`];
  if (r.aborted) tail.push("aborted");
  if (r.note !== undefined) tail.push(`"${escapeLogText(r.note)}"`);
  return `${r.remote} - - [${formatClfTime(r.time)}] "${request}" ${r.status} ${bytes} ${tail.join(" ")}`;
}

/** Request targets are attacker-controlled: keep one request on one printable line. */
export function escapeLogText(text: string): string {
  return text.replace(/[^\x21-\x7e ]|["\\]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

function formatClfTime(t: Date): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  const month = MONTHS[t.getUTCMonth()] ?? "???";
  return `${pad(t.getUTCDate())}/${month}/${t.getUTCFullYear()}:${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} +0000`;
}
