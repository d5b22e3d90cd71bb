// The dashboard's requests on the status server: pages and their assets, the JSON API, /metrics, the
// live log (Server-Sent Events), login and the actions. Every action is logged, done or refused.
import type http from "node:http";
import { answerApi, type DashboardSource } from "./api.js";
import { ActionError, isActionName, performAction, type ActionDeps } from "./actions.js";
import { csrfTokenOf, isAuthenticated, sameSecret, tokenCookie, type Auth } from "./auth.js";
import { serveAsset, servePage } from "./pages.js";

export interface DashboardOptions {
  source: DashboardSource;
  auth: Auth;
  actions: ActionDeps;
  /** One line per action, for the daemon's log or the command's stderr. */
  log(line: string): void;
  metrics(): Promise<{ contentType: string; text: string }>;
  /** Streams a task's output as Server-Sent Events; false when the path names no task. */
  liveLog(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<boolean>;
}

const MAX_BODY_BYTES = 4096;

export type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** Answers a dashboard request; false when the path is not the dashboard's (the status server answers it). */
export async function answerDashboard(req: http.IncomingMessage, res: http.ServerResponse, options: DashboardOptions): Promise<boolean> {
  const url = new URL(req.url ?? "/", "http://dashboard");
  const send: Send = (status, body, headers = {}) => {
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text), ...headers });
    res.end(req.method === "HEAD" ? undefined : text);
  };
  const path = url.pathname;
  if (req.method === "POST") return answerPost(req, path, send, options);
  if (servePage(path, res, options.source.workers !== undefined) || serveAsset(path, res)) return true;
  const reads = path.startsWith("/api/") || path === "/metrics" || path.startsWith("/live/");
  if (!reads) return false;
  if (options.auth.readNeedsToken && !isAuthenticated(req, options.auth)) {
    send(401, { ok: false, error: "this dashboard listens beyond localhost: send the token of dashboard.token_file (Authorization: Bearer TOKEN), or log in on the page" });
    return true;
  }
  if (path === "/metrics") {
    const { contentType, text } = await options.metrics();
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    res.end(text);
    return true;
  }
  if (path.startsWith("/live/")) return (await options.liveLog(req, res, url)) || (send(404, { ok: false, error: `no task in ${path.slice(0, 100)}: /live/TASK` }), true);
  if (path === "/api/csrf") return answerCsrf(req, send, options.auth);
  const answer = await answerApi(url, options.source);
  send(answer.status, answer.body);
  return true;
}

function answerCsrf(req: http.IncomingMessage, send: Send, auth: Auth): true {
  if (auth.token === null || !isAuthenticated(req, auth)) send(401, { ok: false, error: "log in with the token of dashboard.token_file first" });
  else send(200, { ok: true, csrf: csrfTokenOf(auth.token) });
  return true;
}

async function answerPost(req: http.IncomingMessage, path: string, send: Send, options: DashboardOptions): Promise<boolean> {
  const action = /^\/api\/actions\/([a-z-]+)$/.exec(path)?.[1];
  if (path !== "/api/login" && action === undefined) return false;
  const body = await readJsonBody(req);
  const { auth } = options;
  if (auth.token === null) {
    send(403, { ok: false, error: "the dashboard has no token: set dashboard.token_file in the config to allow login and actions" });
    return true;
  }
  if (path === "/api/login") {
    if (!sameSecret(typeof body?.token === "string" ? body.token : undefined, auth.token)) {
      options.log("dashboard login refused: wrong token");
      send(401, { ok: false, error: "wrong token: give the content of dashboard.token_file" });
    } else send(200, { ok: true, csrf: csrfTokenOf(auth.token) }, { "set-cookie": tokenCookie(auth.token) });
    return true;
  }
  return answerAction(req, String(action), body, send, options);
}

async function answerAction(req: http.IncomingMessage, name: string, body: Record<string, unknown> | null, send: Send, options: DashboardOptions): Promise<true> {
  const refuse = (status: number, why: string): true => {
    options.log(`dashboard action ${name} refused: ${why}`);
    send(status, { ok: false, error: why });
    return true;
  };
  if (!isAuthenticated(req, options.auth)) return refuse(401, "no or wrong token: send Authorization: Bearer TOKEN or log in");
  const csrf = req.headers["x-csrf-token"];
  if (!sameSecret(typeof csrf === "string" ? csrf : undefined, csrfTokenOf(options.auth.token as string))) return refuse(403, "no or wrong CSRF token: send the x-csrf-token header from GET /api/csrf");
  if (!isActionName(name)) return refuse(404, `no action ${name.slice(0, 40)}: run-now, force, hold or resume`);
  if (body === null) return refuse(400, "the body is not a JSON object of at most 4096 bytes");
  try {
    const done = await performAction(name, body, options.actions);
    options.log(`dashboard action ${name}: ${done}`);
    send(200, { ok: true, message: done });
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    refuse(400, error.message);
  }
  return true;
}

/** The body as a JSON object; null when it is larger than MAX_BODY_BYTES or no object. An empty body is {}. */
async function readJsonBody(req: http.IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
