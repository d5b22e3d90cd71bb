// Pure: the facts document (report.json) a report carries beside the files: what `emerge --info`
// says of the server, and the symlinks that point out of /etc/portage (make.profile points into
// the repository), kept as data and never followed. Versioned: the daemon and `coverage` read it.
import { checkEntryPath, ETC_PORTAGE, type Checked, type ReportLimits } from "./report-entries.js";

export const FACTS_FORMAT = 1;

/** What `emerge --info` tells of the server, or why there is nothing. */
export type EmergeInfo =
  | { ok: true; profile: string | null; chost: string | null; arch: string | null; cflags: string | null; cxxflags: string | null; portage: string | null }
  | { ok: false; problem: string };

export interface ReportFacts {
  format: typeof FACTS_FORMAT;
  /** The server's name in the build host's `servers:`. */
  name: string;
  emergeInfo: EmergeInfo;
  /** Symlinks below /etc/portage that point out of it (make.profile), with their targets as written. */
  links: { path: string; target: string }[];
  /** What the reporting side left out on purpose (private keys, sockets), with why. */
  skipped: { path: string; reason: string }[];
}

/**
 * `emerge --info` output: the first line is `Portage VERSION (python X, PROFILE, gcc, libc, uname)`
 * (lib/_emerge/actions.py getportageversion); variables follow as `KEY="value"` lines
 * (action_info: CHOST, CFLAGS, CXXFLAGS always, ARCH from the repository's profiles/info_vars).
 */
export function parseEmergeInfo(text: string): EmergeInfo {
  const header = /^Portage (\S+) \(([^)]*)\)/m.exec(text);
  const variables = new Map<string, string>();
  for (const match of text.matchAll(/^([A-Z][A-Z0-9_]*)="([^"\n]*)"$/gm)) variables.set(match[1]!, match[2]!);
  if (!header && variables.size === 0) return { ok: false, problem: "emerge --info printed no 'Portage …' line and no variables" };
  const profile = header?.[2]?.split(", ")[1];
  return {
    ok: true,
    portage: header?.[1] ?? null,
    profile: profile === undefined || profile === "unavailable" ? null : profile,
    chost: variables.get("CHOST") ?? null,
    arch: variables.get("ARCH") ?? null,
    cflags: variables.get("CFLAGS") ?? null,
    cxxflags: variables.get("CXXFLAGS") ?? null,
  };
}

/** The facts document as received: JSON of the right shape, naming the server it was sent for. */
export function parseReportFacts(bytes: Uint8Array, expectedName: string, limits: ReportLimits): Checked<ReportFacts> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return bad("report.json is not JSON");
  }
  if (!isRecord(value)) return bad("report.json is not a JSON object");
  if (value.format !== FACTS_FORMAT) return bad(`report.json has format ${JSON.stringify(value.format)}, this binpkgbot reads format ${FACTS_FORMAT}: use the same binpkgbot version on the server`);
  if (value.name !== expectedName) return bad(`report.json is for server ${JSON.stringify(value.name)}, sent to /report/${expectedName}`);
  const info = checkEmergeInfo(value.emergeInfo);
  if (!info.ok) return info;
  const links = checkLinks(value.links, limits);
  if (!links.ok) return links;
  if (!Array.isArray(value.skipped) || !value.skipped.every((s) => isRecord(s) && typeof s.path === "string" && typeof s.reason === "string")) {
    return bad("report.json: skipped must be a list of {path, reason}");
  }
  return { ok: true, value: { format: FACTS_FORMAT, name: expectedName, emergeInfo: info.value, links: links.value, skipped: value.skipped as ReportFacts["skipped"] } };
}

const INFO_FIELDS = ["profile", "chost", "arch", "cflags", "cxxflags", "portage"] as const;

/** Only the fields EmergeInfo names, each a string or null (a problem a string): readers compare them as text. */
function checkEmergeInfo(info: unknown): Checked<EmergeInfo> {
  if (!isRecord(info) || typeof info.ok !== "boolean") return bad("report.json: emergeInfo must be an object with ok");
  if (!info.ok) return typeof info.problem === "string" ? { ok: true, value: { ok: false, problem: info.problem } } : bad("report.json: emergeInfo.problem must be a string");
  const fields: Record<string, string | null> = {};
  for (const key of INFO_FIELDS) {
    const field = info[key] ?? null;
    if (field !== null && typeof field !== "string") return bad(`report.json: emergeInfo.${key} must be a string or null`);
    fields[key] = field;
  }
  return { ok: true, value: { ok: true, ...(fields as Omit<Extract<EmergeInfo, { ok: true }>, "ok">) } };
}

function checkLinks(links: unknown, limits: ReportLimits): Checked<ReportFacts["links"]> {
  if (!Array.isArray(links) || links.length > limits.maxEntries) return bad(`report.json: links must be a list of at most ${limits.maxEntries} {path, target}`);
  for (const link of links) {
    if (!isRecord(link) || typeof link.path !== "string" || typeof link.target !== "string") return bad("report.json: each link is {path, target}");
    const path = checkEntryPath(link.path, limits);
    if (!path.ok) return bad(`report.json links: ${path.problem}`);
    if (!path.value.startsWith(`${ETC_PORTAGE}/`)) return bad(`report.json links: ${path.value} is not below /etc/portage`);
    // eslint-disable-next-line no-control-regex
    if (Buffer.byteLength(link.target) > limits.maxPathBytes || /[\u0000-\u001f\u007f]/.test(link.target)) return bad(`report.json links: the target of ${path.value} is too long or has a control character`);
  }
  return { ok: true, value: links as ReportFacts["links"] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function bad<T>(problem: string): Checked<T> {
  return { ok: false, problem };
}
