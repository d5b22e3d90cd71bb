// Pure HTTP validators, conditional requests and single byte ranges (RFC 9110 §8.8, §13, §14).
// Portage clients depend on two of them: the index is fetched with If-Modified-Since
// (bintree.py warns "did not respect If-Modified-Since" otherwise) and an interrupted binpkg
// download is resumed with a Range request (RESUMECOMMAND, `wget -c` in make.globals).

/** The facts of a file the validators are made from. */
export interface FileFacts {
  size: number;
  /** Modification time in milliseconds since the epoch. */
  mtimeMs: number;
  /** Changes whenever the content may have changed: see versionFromStats, or a content hash. */
  version: string;
}

/** The part of a bigint fstat a file's version is made from. */
export interface VersionStats {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/**
 * Inode, size, mtime and change time, in nanoseconds. Portage sets the mtime of `Packages` to its
 * whole-second TIMESTAMP and a file can be rewritten in place with the same size, so mtime and
 * size alone repeat; the change time moves on every write and every utimes (stat(2), st_ctime),
 * and the inode tells apart the temp files Portage renames into place.
 */
export function versionFromStats(stats: VersionStats): string {
  return [stats.ino, stats.size, stats.mtimeNs, stats.ctimeNs].map((n) => n.toString(16)).join("-");
}

export function factsFromStats(stats: VersionStats): FileFacts {
  return { size: Number(stats.size), mtimeMs: Number(stats.mtimeNs / 1_000_000n), version: versionFromStats(stats) };
}

/** A strong ETag: the version, quoted. */
export function renderETag(file: FileFacts): string {
  return `"${file.version}"`;
}

export function renderLastModified(file: FileFacts): string {
  return new Date(Math.floor(file.mtimeMs / 1000) * 1000).toUTCString();
}

export interface ConditionalHeaders {
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
}

/** True when a GET/HEAD should answer 304. If-None-Match, when present, wins (RFC 9110 §13.2.2). */
export function isNotModified(headers: ConditionalHeaders, etag: string, file: FileFacts): boolean {
  if (headers.ifNoneMatch !== undefined) return matchesAnyETag(headers.ifNoneMatch, etag, true);
  if (headers.ifModifiedSince === undefined) return false;
  const since = Date.parse(headers.ifModifiedSince);
  if (Number.isNaN(since)) return false;
  return Math.floor(file.mtimeMs / 1000) * 1000 <= since;
}

function matchesAnyETag(list: string, etag: string, weak: boolean): boolean {
  if (list.trim() === "*") return true;
  const strip = (t: string): string => (weak ? t.replace(/^W\//, "") : t);
  return list.split(",").some((t) => strip(t.trim()) === strip(etag));
}

export type RangeDecision =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

/**
 * One `bytes=` range against a file of `size` bytes. Several ranges, other units or bad syntax
 * are ignored and the whole file is sent, as RFC 9110 §14.2 allows; only a well-formed range
 * that starts past the end is unsatisfiable (416). An If-Range that does not match the current
 * validators also means the whole file, so a resumed download never splices two versions.
 */
export function decideRange(
  rangeHeader: string | undefined,
  ifRange: string | undefined,
  validators: { etag: string; lastModified: string },
  size: number,
): RangeDecision {
  if (rangeHeader === undefined) return { kind: "full" };
  if (ifRange !== undefined && !ifRangeMatches(ifRange.trim(), validators)) return { kind: "full" };
  const m = /^bytes=(\d*)-(\d*)$/.exec(rangeHeader.trim());
  if (!m) return { kind: "full" };
  const [, first = "", last = ""] = m;
  if (first === "" && last === "") return { kind: "full" };
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "full" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end };
}

function ifRangeMatches(ifRange: string, validators: { etag: string; lastModified: string }): boolean {
  if (ifRange.startsWith('"') || ifRange.startsWith("W/")) return ifRange === validators.etag;
  return ifRange === validators.lastModified;
}

export interface FileRequest {
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  range?: string | undefined;
  ifRange?: string | undefined;
}

/** The status and headers for a GET of a file, and the byte range of its body if it has one. */
export type FileResponsePlan =
  | { kind: "no-body"; status: 304 | 416; headers: Record<string, string> }
  | { kind: "body"; status: 200 | 206; headers: Record<string, string | number>; start: number; end: number };

export function planFileResponse(request: FileRequest, file: FileFacts, contentType: string): FileResponsePlan {
  const etag = renderETag(file);
  const lastModified = renderLastModified(file);
  const validators = { ETag: etag, "Last-Modified": lastModified, "Accept-Ranges": "bytes" };
  if (isNotModified(request, etag, file)) return { kind: "no-body", status: 304, headers: validators };
  const range = decideRange(request.range, request.ifRange, { etag, lastModified }, file.size);
  switch (range.kind) {
    case "unsatisfiable":
      return { kind: "no-body", status: 416, headers: { ...validators, "Content-Range": `bytes */${file.size}` } };
    case "full":
      return { kind: "body", status: 200, headers: { ...validators, "Content-Type": contentType, "Content-Length": file.size }, start: 0, end: file.size - 1 };
    case "partial":
      return {
        kind: "body",
        status: 206,
        headers: { ...validators, "Content-Type": contentType, "Content-Length": range.end - range.start + 1, "Content-Range": `bytes ${range.start}-${range.end}/${file.size}` },
        start: range.start,
        end: range.end,
      };
  }
}
