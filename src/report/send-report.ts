// Sends one report to the build host's `binpkgbot serve`: POST /report/NAME with the tar as the
// body and the token as a bearer header. The answer is one line, `STATUS message`.
import http from "node:http";
import https from "node:https";
import { REPORT_PATH_PREFIX } from "../server/report-endpoint.js";

export interface SendOptions {
  /** The build host's serve URL, as clients use it for sync-uri (a path prefix is kept). */
  to: string;
  name: string;
  token: string;
  body: Uint8Array;
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** The report did not land; the message says what the build host answered, or why there was no answer. */
export class ReportSendError extends Error {
  override readonly name = "ReportSendError";
}

const MAX_ANSWER_BYTES = 4096;

/** Resolves with the build host's one-line answer when it stored the report. */
export async function sendReport(options: SendOptions): Promise<string> {
  const url = reportUrl(options.to, options.name);
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(url, {
      method: "POST",
      headers: { authorization: `Bearer ${options.token}`, "content-type": "application/x-tar", "content-length": options.body.length },
      signal: options.signal,
      timeout: options.timeoutMs ?? 60_000,
    });
    let answered = false;
    request.on("response", (response) => {
      answered = true;
      readAnswer(response).then((text) => {
        const line = text.trim().split("\n", 1)[0] ?? "";
        if (response.statusCode === 200) resolve(line);
        else reject(new ReportSendError(`${url.origin} refused the report: ${line || `${response.statusCode} ${response.statusMessage ?? ""}`}`));
      }, reject);
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${(options.timeoutMs ?? 60_000) / 1000} s`)));
    // The build host may answer (413, 401) and close before it has read the whole body: the answer wins.
    request.on("error", (error) => {
      if (!answered) reject(new ReportSendError(`cannot send the report to ${url.origin}: ${error.message}; is binpkgbot serve running there, and is --to right?`, { cause: error }));
    });
    request.end(options.body);
  });
}

export function reportUrl(to: string, name: string): URL {
  let base: URL;
  try {
    base = new URL(to);
  } catch {
    throw new ReportSendError(`--to ${to} is not a URL: give the build host's serve address, e.g. --to http://binhost.lan:8736`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") throw new ReportSendError(`--to ${to}: give the build host's http:// or https:// URL`);
  base.pathname = `${base.pathname.replace(/\/+$/, "")}${REPORT_PATH_PREFIX}${encodeURIComponent(name)}`;
  base.search = "";
  return base;
}

function readAnswer(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => {
      if (text.length < MAX_ANSWER_BYTES) text += chunk;
    });
    response.on("end", () => resolve(text));
    response.on("error", reject);
    response.on("aborted", () => resolve(text));
  });
}
