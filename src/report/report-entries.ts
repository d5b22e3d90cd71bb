// Pure: which entries a server's report may hold. A report is untrusted bytes from the network
// (STYLE.md "Untrusted bytes stay at the edge"): every name and type is checked here, as data,
// before anything touches the disk, so a bad report changes nothing. The same rules tell the
// reporting side which symlinks it may send as symlinks (the others travel as data).
import { posix } from "node:path";

/** The facts document at the top of every report (emerge --info facts, links kept as data). */
export const FACTS_PATH = "report.json";

/** Where a server's Portage state lives (portage.5: /etc/portage, /var/lib/portage/world, world_sets). */
export const ETC_PORTAGE = "etc/portage";
export const WORLD_FILES: readonly string[] = ["var/lib/portage/world", "var/lib/portage/world_sets"];
const ANCESTOR_DIRECTORIES = new Set(["etc", ETC_PORTAGE, "var", "var/lib", "var/lib/portage"]);

export interface ReportLimits {
  /** Bytes of the whole report as sent; more is refused with 413 before it is all read. */
  maxBytes: number;
  /** Entries (files, directories, symlinks) in one report. */
  maxEntries: number;
  /** Bytes of one path component (NAME_MAX on Linux). */
  maxNameBytes: number;
  /** Bytes of a whole path, and of a symlink's target. */
  maxPathBytes: number;
}

// A real /etc/portage is a few hundred files and well under a megabyte.
export const DEFAULT_REPORT_LIMITS: Readonly<ReportLimits> = {
  maxBytes: 8 * 1024 * 1024,
  maxEntries: 5_000,
  maxNameBytes: 255,
  maxPathBytes: 1024,
};

export type ReportEntry =
  | { kind: "file"; path: string; size: number }
  | { kind: "directory"; path: string }
  | { kind: "symlink"; path: string; target: string };

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

const TYPE_NAMES: Record<string, string> = {
  "1": "a hard link", "3": "a character device", "4": "a block device", "6": "a FIFO", "7": "a contiguous file",
};

/** The kind of a tar typeflag a report may carry; anything else is refused by name. */
export function entryKindOf(typeflag: string): Checked<ReportEntry["kind"]> {
  if (typeflag === "0") return { ok: true, value: "file" };
  if (typeflag === "5") return { ok: true, value: "directory" };
  if (typeflag === "2") return { ok: true, value: "symlink" };
  return { ok: false, problem: `${TYPE_NAMES[typeflag] ?? `a tar entry of type '${typeflag.slice(0, 4)}'`}: a report holds only regular files, directories and symlinks inside /etc/portage` };
}

/**
 * A name as a tar holds it, checked and normalised: relative, no `.`/`..`/empty components, no
 * control characters, within the length limits. A directory's trailing slash is dropped.
 */
export function checkEntryPath(name: string, limits: ReportLimits = DEFAULT_REPORT_LIMITS): Checked<string> {
  const shown = JSON.stringify(name.slice(0, 200));
  if (name.startsWith("/")) return bad(`${shown} is an absolute path: report entries are relative to the server's root`);
  const trimmed = name.endsWith("/") ? name.slice(0, -1) : name;
  if (trimmed === "") return bad("an entry with an empty name");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(trimmed)) return bad(`${shown} has a control character or backslash`);
  if (Buffer.byteLength(trimmed) > limits.maxPathBytes) return bad(`${shown} is longer than ${limits.maxPathBytes} bytes`);
  for (const component of trimmed.split("/")) {
    if (component === "..") return bad(`${shown} has a '..' component`);
    if (component === "" || component === ".") return bad(`${shown} has an empty or '.' component`);
    if (Buffer.byteLength(component) > limits.maxNameBytes) return bad(`${shown} has a component longer than ${limits.maxNameBytes} bytes`);
  }
  return { ok: true, value: trimmed };
}

/** Whether a report may hold an entry of this kind at this (checked) path. */
export function checkEntryPlace(entry: ReportEntry): Checked<ReportEntry> {
  const { path, kind } = entry;
  const inEtcPortage = path.startsWith(`${ETC_PORTAGE}/`);
  // Portage's verification keyring (BINPKG_GPG_VERIFY_GPG_HOME) and any signing keys live there.
  if (path === `${ETC_PORTAGE}/gnupg` || path.startsWith(`${ETC_PORTAGE}/gnupg/`)) return bad(`${path}: a report never carries /etc/portage/gnupg`);
  const allowed =
    (kind === "directory" && (ANCESTOR_DIRECTORIES.has(path) || inEtcPortage)) ||
    (kind === "file" && (inEtcPortage || WORLD_FILES.includes(path) || path === FACTS_PATH)) ||
    (kind === "symlink" && inEtcPortage);
  if (!allowed) return bad(`${path}: a ${kind} is not allowed there; a report holds /etc/portage, ${WORLD_FILES.map((f) => `/${f}`).join(", ")} and ${FACTS_PATH}`);
  if (kind === "symlink") return checkLinkTarget(path, entry.target);
  return { ok: true, value: entry };
}

function checkLinkTarget(path: string, target: string): Checked<ReportEntry> {
  // eslint-disable-next-line no-control-regex
  if (target === "" || /[\u0000-\u001f\u007f\\]/.test(target)) return bad(`${path}: the symlink target ${JSON.stringify(target.slice(0, 200))} is empty or has a control character`);
  if (target.startsWith("/")) return bad(`${path}: the symlink target ${JSON.stringify(target.slice(0, 200))} is absolute; only relative links inside /etc/portage are kept as links`);
  const resolved = resolveLink(path, target);
  if (resolved !== ETC_PORTAGE && !resolved.startsWith(`${ETC_PORTAGE}/`)) {
    return bad(`${path}: the symlink target ${JSON.stringify(target.slice(0, 200))} points out of /etc/portage`);
  }
  return { ok: true, value: { kind: "symlink", path, target } };
}

/** A relative link target resolved lexically from the link's directory (`..` above the root stays at the root's parent, which is outside). */
export function resolveLink(linkPath: string, target: string): string {
  return posix.normalize(posix.join(posix.dirname(linkPath), target));
}

/**
 * The whole set of entries: within the count, no path twice, nothing below a file or a symlink
 * (so writing never goes through a link), and no symlink whose target walks through another
 * symlink: with that, resolving a link lexically is what the kernel does, so "inside" holds.
 */
export function checkEntrySet(entries: readonly ReportEntry[], limits: ReportLimits = DEFAULT_REPORT_LIMITS): Checked<readonly ReportEntry[]> {
  if (entries.length > limits.maxEntries) return bad(`more than ${limits.maxEntries} entries`);
  const kinds = new Map<string, ReportEntry["kind"]>();
  for (const entry of entries) {
    if (kinds.has(entry.path)) return bad(`${entry.path} appears twice`);
    kinds.set(entry.path, entry.kind);
  }
  for (const entry of entries) {
    const parent = firstNonDirectoryAncestor(entry.path, kinds);
    if (parent !== undefined) return bad(`${entry.path} is below ${parent}, which is a ${kinds.get(parent)}`);
    if (entry.kind === "symlink") {
      const through = linkWalkedThrough(entry.path, entry.target, kinds);
      if (through !== undefined) return bad(`${entry.path}: the symlink target ${JSON.stringify(entry.target)} goes through the symlink ${through}`);
    }
  }
  if (kinds.get(FACTS_PATH) !== "file") return bad(`no ${FACTS_PATH}: not a binpkgbot report`);
  return { ok: true, value: entries };
}

function firstNonDirectoryAncestor(path: string, kinds: ReadonlyMap<string, ReportEntry["kind"]>): string | undefined {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) {
    const ancestor = parts.slice(0, i).join("/");
    const kind = kinds.get(ancestor);
    if (kind !== undefined && kind !== "directory") return ancestor;
  }
  return undefined;
}

/** The first symlink entry the target's walk steps into before its last component, if any. */
function linkWalkedThrough(linkPath: string, target: string, kinds: ReadonlyMap<string, ReportEntry["kind"]>): string | undefined {
  const parts = posix.dirname(linkPath).split("/");
  const steps = target.split("/").filter((s) => s !== "" && s !== ".");
  for (const [index, step] of steps.entries()) {
    if (step === "..") parts.pop();
    else parts.push(step);
    const here = parts.join("/");
    if (index < steps.length - 1 && kinds.get(here) === "symlink") return here;
  }
  return undefined;
}

function bad<T>(problem: string): Checked<T> {
  return { ok: false, problem };
}
