// POST /report/NAME on `binpkgbot serve`: a server sends its Portage state (src/report/). Checked in
// the order that costs an attacker most and us least: the name, then the token (before a byte of
// the body is read), then the size while the body streams in, then every entry; only a report
// that passes all of them is written, replacing that server's copy whole (store-report.ts).
// Every refusal is one line, `STATUS message`, and changes nothing on disk.
import type http from "node:http";
import { DEFAULT_REPORT_LIMITS, FACTS_PATH, type ReportLimits } from "../report/report-entries.js";
import { parseReportFacts } from "../report/report-facts.js";
import { parseReportTar } from "../report/report-tar.js";
import { readTokenFile, TokenFileError, tokensMatch } from "../report/report-token.js";
import type { ReportingServer } from "../report/reporting-servers.js";
import { storeReport, type StoredReport } from "../report/store-report.js";

export const REPORT_PATH_PREFIX = "/report/";

export interface ReportReceiverOptions {
  stateDir: string;
  /** Read at each request, so a reloaded config applies at once. */
  servers: () => readonly ReportingServer[];
  limits?: Partial<ReportLimits> | undefined;
  /**
   * Reports read at once; one more gets 503. Only a request with a valid token gets this far, and
   * each holds up to limits.maxBytes in memory while it arrives.
   */
  maxConcurrent?: number | undefined;
  /** Called once a report has replaced the server's copy (the daemon re-checks coverage then). */
  onReport?: ((report: StoredReport) => void) | undefined;
  now?: () => Date;
}

/** What happened, for the access log. */
export interface ReportOutcome {
  status: number;
  note: string;
}

export type ReportReceiver = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<ReportOutcome>;

export function isReportTarget(target: string | undefined): boolean {
  return (target ?? "").startsWith(REPORT_PATH_PREFIX);
}

export const DEFAULT_MAX_CONCURRENT_REPORTS = 4;

export function createReportReceiver(options: ReportReceiverOptions): ReportReceiver {
  const limits = { ...DEFAULT_REPORT_LIMITS, ...options.limits };
  const context: Context = { options, limits, now: options.now ?? (() => new Date()), reading: 0, maxConcurrent: options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_REPORTS };
  return async (req, res) => {
    const result = await receive(req, context);
    // A body left unread (refused before or while reading it) would otherwise be read and discarded
    // by Node to reach the next request on the connection: close it instead.
    const closing = !req.complete;
    const body = `${result.status} ${result.message}\n`;
    res.writeHead(result.status, {
      "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(body), "cache-control": "no-store",
      ...(result.status === 401 ? { "www-authenticate": 'Bearer realm="binpkgbot report"' } : {}),
      ...(result.status === 405 ? { allow: "POST" } : {}),
      ...(result.status === 503 ? { "retry-after": "10" } : {}),
      ...(closing ? { connection: "close" } : {}),
    });
    res.end(body);
    if (closing) res.once("finish", () => req.socket.destroy());
    return { status: result.status, note: result.note ?? result.message };
  };
}

interface Context {
  options: ReportReceiverOptions;
  limits: ReportLimits;
  now: () => Date;
  /** Reports whose body is being read or checked now. */
  reading: number;
  maxConcurrent: number;
}

interface Result {
  status: number;
  message: string;
  /** For the build host's access log where it says more than the client may learn. */
  note?: string;
}

async function receive(req: http.IncomingMessage, context: Context): Promise<Result> {
  const { options } = context;
  const name = decodeName(req.url ?? "");
  if (req.method !== "POST") return { status: 405, message: `only POST to ${REPORT_PATH_PREFIX}NAME, as binpkgbot report sends it` };
  const server = options.servers().find((s) => s.name === name);
  if (name === undefined || server === undefined) {
    return { status: 404, message: `no server ${JSON.stringify(name ?? req.url)} reports here: add it to servers: in the build host's config with report: true and a token_file` };
  }
  const auth = await checkToken(req, server);
  if (auth) return auth;
  if (context.reading >= context.maxConcurrent) return { status: 503, message: `${context.maxConcurrent} reports are being received already: send again in a few seconds` };
  context.reading++;
  try {
    return await receiveBody(req, server, context);
  } finally {
    context.reading--;
  }
}

async function receiveBody(req: http.IncomingMessage, server: ReportingServer, { options, limits, now }: Context): Promise<Result> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > limits.maxBytes) return tooLarge(limits, server.name);
  const body = await readBounded(req, limits.maxBytes);
  if (body === "too-large") return tooLarge(limits, server.name);
  if (body === "aborted") return { status: 400, message: "the request body ended early" };
  const members = parseReportTar(body, limits);
  if (!members.ok) return refused(server.name, members.problem);
  const factsMember = members.value.find((m) => m.path === FACTS_PATH);
  const facts = parseReportFacts(factsMember?.kind === "file" ? factsMember.data : new Uint8Array(), server.name, limits);
  if (!facts.ok) return refused(server.name, facts.problem);
  const stored = await storeReport(options.stateDir, server.name, members.value, facts.value, now());
  options.onReport?.(stored);
  return { status: 200, message: `stored the report of ${server.name}: ${stored.files} files in ${stored.dir}` };
}

function decodeName(target: string): string | undefined {
  const raw = target.split("?", 1)[0]!.slice(REPORT_PATH_PREFIX.length);
  try {
    const name = decodeURIComponent(raw);
    return name === "" || name.includes("/") ? undefined : name;
  } catch {
    return undefined;
  }
}

async function checkToken(req: http.IncomingMessage, server: ReportingServer): Promise<Result | undefined> {
  const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? "");
  if (!match) return { status: 401, message: `a report of ${server.name} needs the header Authorization: Bearer TOKEN (binpkgbot report --token-file FILE sends it)` };
  let expected: string;
  try {
    expected = await readTokenFile(server.tokenFile);
  } catch (error) {
    if (!(error instanceof TokenFileError)) throw error;
    // The build host's own problem: say so without telling the client where the file is.
    return { status: 500, message: `the build host cannot check tokens of ${server.name}: its token file is unusable (see the build host's log)`, note: error.message };
  }
  if (!tokensMatch(match[1]!, expected)) return { status: 403, message: `the token is not the one of server ${server.name}: compare the server's --token-file with token_file in the build host's config` };
  return undefined;
}

/** The body, or "too-large" as soon as it passes `max` bytes (the rest is left unread). */
function readBounded(req: http.IncomingMessage, max: number): Promise<Uint8Array | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const finish = (value: Uint8Array | "too-large" | "aborted"): void => {
      req.off("data", onData).off("end", onEnd).off("aborted", onAborted).off("error", onAborted).off("close", onAborted);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > max) {
        req.pause();
        finish("too-large");
      } else chunks.push(chunk);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks));
    const onAborted = (): void => finish("aborted");
    // A client gone mid-body (or cut off by the server's request timeout) ends in 'close' without 'end'.
    req.on("data", onData).on("end", onEnd).on("aborted", onAborted).on("error", onAborted).on("close", onAborted);
  });
}

function tooLarge(limits: ReportLimits, name: string): Result {
  return { status: 413, message: `the report of ${name} is larger than ${limits.maxBytes} bytes: leave big files out of /etc/portage, or raise serve --max-report-size` };
}

function refused(name: string, problem: string): Result {
  return { status: 400, message: `report of ${name} refused, nothing changed: ${problem}` };
}
