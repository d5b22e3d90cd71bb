// Pure: decides from a request target alone whether the binhost may serve it, and what it is.
// The filesystem checks that need the disk (containment, regular file) live in open-beneath.ts
// and the 0-byte placeholder check in binhost.ts; this part never touches it, so every refusal
// rule here is unit-tested as data.
import { posix } from "node:path";

/** What a served file is; it picks the Content-Type and the extra checks on disk. */
export type ServedKind = "index" | "index-gz" | "gpkg" | "xpak";

export type PathDecision =
  | { kind: "file"; served: ServedKind; relPath: string; absPath: string; contentType: string }
  | { kind: "public-key"; contentType: string }
  | { kind: "repository-archive"; contentType: string }
  | { kind: "refuse"; reason: string };

/**
 * Where the binhost publishes the signing key when one is configured. It cannot collide with
 * anything Portage writes to PKGDIR (no `.asc` there) and sits beside `Packages`, so a client
 * set-up can derive it from `sync-uri`.
 */
export const PUBLIC_KEY_URL_PATH = "/binhost-key.asc";

/**
 * Where a release's ebuild repository archive is served, beside its Packages (src/releases/): no name
 * Portage writes to PKGDIR ends in `.zip`, and a binpkg always lies below a category directory.
 */
export const REPOSITORY_ARCHIVE_URL_PATH = "/repository.zip";

const CONTENT_TYPES: Record<ServedKind | "public-key" | "repository-archive", string> = {
  index: "text/plain; charset=utf-8",
  // The index is a gzip *file*, not a gzip-encoded text: Portage gunzips it itself
  // (bintree.py, `if remote_pkgindex_file == "Packages.gz"`), so no Content-Encoding.
  "index-gz": "application/gzip",
  gpkg: "application/x-tar",
  xpak: "application/octet-stream",
  "public-key": "application/pgp-keys",
  "repository-archive": "application/zip",
};

// PMS 3.1: category, package and version names only use these characters, so anything else
// (spaces, `%` left after decoding, `:`, quotes) cannot name a binpkg and is refused outright.
const SEGMENT = /^[A-Za-z0-9+_.-]+$/;

// Names Portage writes while a file is incomplete (all in the same directory as the target):
// - `<name>.partial`: BinpkgFetcher.py downloads into `pkg_allocated_path + ".partial"`, and
//   bintree.py move_ent() applies updates to `allocated_pkg_path + ".partial"`.
// - `<basename><8 random chars>`: util/__init__.py atomic_ofstream uses
//   tempfile.mkstemp(prefix=basename) for `Packages` and `Packages.gz`.
// - `<basename>.<pid><random>`: gpkg.py writes a container through
//   NamedTemporaryFile(prefix=f"{basename}.{pid}").
// - `.<name>.portage_lockfile` and `.<name>.hardlock-<host>-<pid>`: locks.py.
// The allow-list below (exact index names, binpkg suffixes) refuses all of them; the explicit
// checks are kept so the reason is clear in a test and in the access log.
const TEMP_SUFFIXES = [".partial", ".portage_lockfile", ".tmp", "~"];

export function resolveRequestPath(
  pkgdir: string,
  requestTarget: string,
  options: { publicKey?: boolean } = {},
): PathDecision {
  const decoded = decodeTarget(requestTarget);
  if (typeof decoded !== "string") return decoded;
  if (decoded === PUBLIC_KEY_URL_PATH) {
    return options.publicKey
      ? { kind: "public-key", contentType: CONTENT_TYPES["public-key"] }
      : refuse("no public key configured");
  }
  if (decoded === REPOSITORY_ARCHIVE_URL_PATH) return { kind: "repository-archive", contentType: CONTENT_TYPES["repository-archive"] };
  const segments = decoded.slice(1).split("/");
  const bad = segments.find((s) => !isSafeSegment(s));
  if (bad !== undefined) return refuse(`unsafe path segment ${JSON.stringify(bad)}`);
  const relPath = segments.join("/");
  const served = classify(relPath);
  if (served === undefined) return refuse("not an index or a binpkg");
  return { kind: "file", served, relPath, absPath: posix.join(pkgdir, relPath), contentType: CONTENT_TYPES[served] };
}

/**
 * Rules that also apply to the target of a symlink once resolved inside PKGDIR, so a link
 * cannot expose a lock, temp file or dot-directory under an innocent name.
 */
export function isHiddenOrTemporary(relPath: string): boolean {
  return relPath.split("/").some((s) => s.startsWith(".") || TEMP_SUFFIXES.some((t) => s.endsWith(t)));
}

function decodeTarget(target: string): string | PathDecision {
  // Absolute-form targets (`GET http://host/x`) are legal from proxies; keep only the path.
  let path = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
  path = path.split("?", 1)[0]!.split("#", 1)[0]!;
  if (!path.startsWith("/")) return refuse("not an absolute path");
  if (path.includes("\\")) return refuse("backslash");
  // An encoded slash or backslash would survive as a separator after decoding.
  if (/%(2f|5c)/i.test(path)) return refuse("encoded separator");
  if (/%00/.test(path) || path.includes("\0")) return refuse("NUL byte");
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return refuse("malformed percent-encoding");
  }
  // A `%` left after one decoding is double encoding (`%252e`); no Portage name contains it.
  if (decoded.includes("%") || decoded.includes("\0") || decoded.includes("\\")) return refuse("double encoding");
  return decoded;
}

function isSafeSegment(segment: string): boolean {
  return SEGMENT.test(segment) && !segment.startsWith(".") && !TEMP_SUFFIXES.some((t) => segment.endsWith(t));
}

function classify(relPath: string): ServedKind | undefined {
  if (relPath === "Packages") return "index";
  if (relPath === "Packages.gz") return "index-gz";
  // Binpkgs live below a category directory: `<cat>/<pf>.tbz2` or, with
  // binpkg-multi-instance, `<cat>/<pn>/<pf>-<build_id>.{gpkg.tar,xpak}` (bintree.py
  // _allocate_filename and _allocate_filename_multi).
  if (!relPath.includes("/")) return undefined;
  if (relPath.endsWith(".gpkg.tar")) return "gpkg";
  if (relPath.endsWith(".tbz2") || relPath.endsWith(".xpak")) return "xpak";
  return undefined;
}

function refuse(reason: string): PathDecision {
  return { kind: "refuse", reason };
}
