// Pure: the transfer routes under /fleet/<target>/, and the small request headers they carry.
//   GET  /fleet/T/generations                 the target's generations and their identities (JSON)
//   GET  /fleet/T/generations/gen-N/stream    `btrfs send` of gen-N (incremental from one the worker has)
//   PUT  /fleet/T/generations/gen-N?parent=gen-M   a `btrfs send` stream of gen-N, made on gen-M
//   PUT  /fleet/T/binpkgs/<PATH>              a binpkg: its Packages entry, then its bytes
//   GET  /fleet/T/binpkgs/Packages            the target's index, for a worker's PKGDIR copy
//   GET  /fleet/T/binpkgs/<PATH>              a binpkg the index lists (never a hidden, lock or temporary file)
//   PUT  /fleet/T/logs/<RUN>/<TASK>.log       a step's log, from the worker that ran it, to the run's log directory

export const FLEET_PREFIX = "/fleet/";
/** FleetTarget.name (src/fleet/fleet.ts): one path segment. */
export const TARGET_NAME = /^[a-z0-9][a-z0-9_-]*$/;
export const GENERATION_NAME = /^gen-[1-9][0-9]*$/;

/** The generations a worker has, `gen-N=IDENTITY,...`, so the coordinator can pick a parent. */
export const HAVE_HEADER = "x-binpkgbot-have";
/** How many bytes of an upload's body are its Packages entry; the binpkg follows. */
export const ENTRY_LENGTH_HEADER = "x-binpkgbot-entry-length";
/** The task that made a pushed generation, for the generation's record (`stage list`). */
export const TASK_HEADER = "x-binpkgbot-task";

export type TransferRoute =
  | { kind: "list-generations"; target: string }
  | { kind: "send-generation"; target: string; generation: string }
  | { kind: "receive-generation"; target: string; generation: string; parent: string }
  | { kind: "upload-binpkg"; target: string; path: string }
  | { kind: "read-index"; target: string }
  | { kind: "read-binpkg"; target: string; path: string }
  | { kind: "upload-log"; target: string; run: string; task: string };

/** A run id (src/engine/perform-run.ts): a time and a process id. */
export const RUN_ID = /^[0-9]{8}T[0-9]{9}Z-[0-9]{1,10}$/;
/** A task id as the config allows it (src/config/tasks.ts), with `.log`. */
const TASK_LOG_NAME = /^([A-Za-z0-9][A-Za-z0-9._+-]{0,199})\.log$/;

/** The index's name under /fleet/T/binpkgs/: never a binpkg path (those have a category directory). */
export const INDEX_NAME = "Packages";

export type RouteResult =
  | { ok: true; route: TransferRoute }
  | { ok: false; status: 400 | 404 | 405; message: string };

/** Maps a request onto a route; `url` is the request target (path and query). */
export function parseTransferRoute(method: string, url: string): RouteResult {
  const parsed = new URL(url, "http://coordinator");
  const segments = parsed.pathname.slice(FLEET_PREFIX.length).split("/");
  const [target = "", area = "", ...rest] = segments;
  if (!parsed.pathname.startsWith(FLEET_PREFIX) || !TARGET_NAME.test(target)) {
    return { ok: false, status: 404, message: `no such transfer path ${parsed.pathname}: use /fleet/TARGET/generations or /fleet/TARGET/binpkgs/PATH` };
  }
  if (area === "binpkgs") return binpkgRoute(method, target, rest, parsed.pathname);
  if (area === "logs") return logRoute(method, target, rest, parsed.pathname);
  if (area !== "generations") return { ok: false, status: 404, message: `no such transfer path ${parsed.pathname}` };
  return generationRoute(method, target, rest, parsed.searchParams.get("parent"));
}

function binpkgRoute(method: string, target: string, rest: readonly string[], pathname: string): RouteResult {
  if (method !== "PUT" && method !== "GET") return { ok: false, status: 405, message: `${method} ${pathname}: binpkgs are uploaded with PUT and read with GET` };
  const path = decodePath(rest);
  if (method === "GET" && path === INDEX_NAME) return { ok: true, route: { kind: "read-index", target } };
  const problem = path === null ? `malformed percent-encoding in ${pathname}` : checkBinpkgPath(path);
  if (problem !== null || path === null) return { ok: false, status: 400, message: problem ?? "no path" };
  return { ok: true, route: method === "PUT" ? { kind: "upload-binpkg", target, path } : { kind: "read-binpkg", target, path } };
}

function logRoute(method: string, target: string, rest: readonly string[], pathname: string): RouteResult {
  if (method !== "PUT") return { ok: false, status: 405, message: `${method} ${pathname}: a step's log is uploaded with PUT` };
  const [run = "", name = "", ...more] = rest;
  const task = TASK_LOG_NAME.exec(name)?.[1];
  if (!RUN_ID.test(run) || task === undefined || more.length > 0) {
    return { ok: false, status: 400, message: `${pathname}: a log is uploaded to /fleet/TARGET/logs/RUN/TASK.log (a run id, then a task id and .log)` };
  }
  return { ok: true, route: { kind: "upload-log", target, run, task } };
}

function decodePath(segments: readonly string[]): string | null {
  try {
    return segments.map(decodeURIComponent).join("/");
  } catch {
    return null;
  }
}

function generationRoute(method: string, target: string, rest: readonly string[], parent: string | null): RouteResult {
  if (rest.length === 0 || (rest.length === 1 && rest[0] === "")) {
    if (method !== "GET") return { ok: false, status: 405, message: `${method}: the list of generations is read with GET` };
    return { ok: true, route: { kind: "list-generations", target } };
  }
  const generation = rest[0] ?? "";
  if (!GENERATION_NAME.test(generation)) return { ok: false, status: 400, message: `'${generation}' is not a generation name such as gen-3` };
  if (method === "GET" && rest.length === 2 && rest[1] === "stream") return { ok: true, route: { kind: "send-generation", target, generation } };
  if (method === "PUT" && rest.length === 1) {
    if (parent === null || !GENERATION_NAME.test(parent)) {
      return { ok: false, status: 400, message: `PUT of ${generation} needs ?parent=gen-N, the generation it was made on` };
    }
    return { ok: true, route: { kind: "receive-generation", target, generation, parent } };
  }
  return { ok: false, status: 405, message: `${method} /fleet/${target}/generations/${rest.join("/")}: use GET .../${generation}/stream or PUT .../${generation}?parent=gen-N` };
}

// Portage's binpkg names in PKGDIR (bintree.py `_populate_local`, `_allocate_filename_multi`):
// multi-instance `<cat>/<pn>/<pf>-<BUILD_ID>.gpkg.tar` or `.xpak`, otherwise `<cat>/<pf>.gpkg.tar` or `.tbz2`.
const SEGMENT = /^[A-Za-z0-9+_][A-Za-z0-9+_.-]*$/;
const MULTI_INSTANCE = /^(.+)-([1-9][0-9]*)\.(gpkg\.tar|xpak)$/;
const SINGLE_INSTANCE = /\.(gpkg\.tar|tbz2)$/;

/** Why `path` is not a binpkg path inside PKGDIR, or null. Never `..`, hidden names or absolute paths. */
export function checkBinpkgPath(path: string): string | null {
  const segments = path.split("/");
  const bad = `'${path}' is not a binpkg path in PKGDIR: expected CATEGORY/PN/PF-BUILD_ID.gpkg.tar (or .xpak), or CATEGORY/PF.gpkg.tar (or .tbz2)`;
  if (!segments.every((segment) => SEGMENT.test(segment))) return bad;
  const name = segments.at(-1) ?? "";
  if (segments.length === 3 && MULTI_INSTANCE.test(name)) return null;
  if (segments.length === 2 && SINGLE_INSTANCE.test(name)) return null;
  return bad;
}

/** The BUILD_ID in a multi-instance name, or null for a single-instance one. */
export function buildIdOfPath(path: string): number | null {
  const match = MULTI_INSTANCE.exec(path.split("/").at(-1) ?? "");
  return match?.[2] === undefined || path.split("/").length !== 3 ? null : Number(match[2]);
}

/** `<cat>/<pn>/<pf>-<id>.<ext>` with another BUILD_ID. */
export function withBuildId(path: string, buildId: number): string {
  const dir = path.slice(0, path.lastIndexOf("/") + 1);
  const match = MULTI_INSTANCE.exec(path.slice(dir.length));
  if (!match) throw new Error(`${path} is not a multi-instance binpkg path`);
  return `${dir}${match[1]}-${buildId}.${match[3]}`;
}

export type HaveList = ReadonlyMap<string, string>;

export function renderHaveHeader(have: HaveList): string {
  return [...have].map(([generation, identity]) => `${generation}=${identity}`).join(",");
}

/** Entries that are not `gen-N=UUID` are ignored: the worst they can cause is a full send. */
export function parseHaveHeader(value: string | undefined): HaveList {
  const have = new Map<string, string>();
  for (const part of (value ?? "").split(",")) {
    const [generation = "", identity = ""] = part.trim().split("=", 2);
    if (GENERATION_NAME.test(generation) && /^[0-9a-f-]{36}$/.test(identity)) have.set(generation, identity);
  }
  return have;
}

/** The generation's number: gen-12 → 12. */
export function generationNumber(name: string): number {
  return Number(name.slice("gen-".length));
}

/**
 * The parent for an incremental send of `generation`: the newest generation older than it that the
 * worker has with the same identity as the coordinator's copy. null: a full send.
 */
export function chooseSendParent(generation: string, coordinator: HaveList, worker: HaveList): string | null {
  const candidates = [...worker]
    .filter(([name, identity]) => coordinator.get(name) === identity && generationNumber(name) < generationNumber(generation))
    .map(([name]) => name)
    .sort((a, b) => generationNumber(b) - generationNumber(a));
  return candidates[0] ?? null;
}

/**
 * Why the worker may not use `url` for the coordinator, or null. Tokens and stages cross the network:
 * plain HTTP only to a loopback address, unless the admin allows it (a TLS-terminating tunnel, say).
 */
export function checkCoordinatorUrl(url: string, allowPlainHttp: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a URL: give the coordinator as https://HOST:PORT`;
  }
  if (parsed.protocol === "https:") return null;
  if (parsed.protocol !== "http:") return `'${url}': the coordinator is reached over https:// (or http:// on loopback)`;
  if (isLoopbackHost(parsed.hostname) || allowPlainHttp) return null;
  return `'${url}' is plain HTTP to ${parsed.hostname}, which is not loopback: the token and the stages would cross the network unencrypted; use https:// (or allow plain HTTP explicitly behind a TLS tunnel)`;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
