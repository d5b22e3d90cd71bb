// The dashboard's pages: small server-rendered HTML shells, each with one vanilla script of its own
// (dashboard/*.js) that fetches the JSON API, and uPlot for charts, all served from here (no CDN).
import { readFileSync } from "node:fs";
import type http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface Page {
  title: string;
  script: string;
  /** The page draws a chart. */
  chart: boolean;
}

export const PAGES: Readonly<Record<string, Page>> = {
  "/": { title: "Overview", script: "overview.js", chart: false },
  "/runs": { title: "Runs", script: "runs.js", chart: false },
  "/run": { title: "Run", script: "run.js", chart: true },
  "/task": { title: "Task", script: "task.js", chart: true },
  "/packages": { title: "Packages", script: "packages.js", chart: false },
  "/live": { title: "Live log", script: "live.js", chart: false },
  "/workers": { title: "Workers", script: "workers.js", chart: false },
};

const NAV = [["/", "Overview"], ["/runs", "Runs"], ["/packages", "Packages"]];
/** Only where the server reads the fleet's workers (given Redis). */
const WORKERS_NAV = ["/workers", "Workers"];

// build/src/dashboard/pages.js → the package's dashboard/ folder.
const ASSET_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dashboard");
const require = createRequire(import.meta.url);
const UPLOT_DIR = path.dirname(require.resolve("uplot/dist/uPlot.iife.min.js"));

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  "uplot.js": { file: path.join(UPLOT_DIR, "uPlot.iife.min.js"), type: "text/javascript" },
  "uplot.css": { file: path.join(UPLOT_DIR, "uPlot.min.css"), type: "text/css" },
  "dashboard.css": { file: path.join(ASSET_DIR, "dashboard.css"), type: "text/css" },
  "common.js": { file: path.join(ASSET_DIR, "common.js"), type: "text/javascript" },
  ...Object.fromEntries(Object.values(PAGES).map((page) => [page.script, { file: path.join(ASSET_DIR, page.script), type: "text/javascript" }])),
};

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** `workers`: the server knows the fleet's workers, and the navigation links their page. */
export function renderPage(page: Page, workers = false): string {
  const nav = (workers ? [...NAV, WORKERS_NAV] : NAV).map(([href, label]) => `<a href="${href}">${label}</a>`).join(" ");
  const chart = page.chart ? `<link rel="stylesheet" href="/assets/uplot.css"><script src="/assets/uplot.js" defer></script>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,"><title>${page.title} · binpkgbot</title>
<link rel="stylesheet" href="/assets/dashboard.css">${chart}
<script src="/assets/common.js" defer></script><script src="/assets/${page.script}" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><strong>binpkgbot</strong> <nav aria-label="pages">${nav}</nav></header>
<main id="main" tabindex="-1"><h1>${page.title}</h1><p id="status" role="status" aria-live="polite">Loading…</p><div id="content"></div></main>
</body></html>
`;
}

export function servePage(urlPath: string, res: http.ServerResponse, workers = false): boolean {
  const page = PAGES[urlPath];
  if (page === undefined) return false;
  const text = renderPage(page, workers);
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...SECURITY_HEADERS });
  res.end(text);
  return true;
}

const cache = new Map<string, Buffer>();

export function serveAsset(urlPath: string, res: http.ServerResponse): boolean {
  const name = /^\/assets\/([a-z.]+)$/.exec(urlPath)?.[1];
  const asset = name === undefined ? undefined : ASSETS[name];
  if (name === undefined || asset === undefined) return false;
  let body = cache.get(name);
  if (body === undefined) {
    body = readFileSync(asset.file);
    cache.set(name, body);
  }
  res.writeHead(200, { "content-type": `${asset.type}; charset=utf-8`, "cache-control": "max-age=300", "content-length": body.length, ...SECURITY_HEADERS });
  res.end(body);
  return true;
}
