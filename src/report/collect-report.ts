// The reporting side: reads a server's Portage state below ROOT (/ on a real server) into the
// members of a report. Nothing is followed out of /etc/portage: a symlink is read with readlink
// and sent as a symlink only when it stays inside (report-entries.ts decides); make.profile and
// any other link that points out travel as data in report.json. Portage's keyring
// (/etc/portage/gnupg) and whatever looks like a private key are never read.
import { lstat, open, readdir, readlink } from "node:fs/promises";
import path from "node:path";
import type { Exec } from "../exec/exec.js";
import { checkEntryPlace, checkEntrySet, DEFAULT_REPORT_LIMITS, ETC_PORTAGE, FACTS_PATH, WORLD_FILES, type ReportEntry } from "./report-entries.js";
import { FACTS_FORMAT, parseEmergeInfo, type EmergeInfo, type ReportFacts } from "./report-facts.js";
import type { ReportMember } from "./report-tar.js";

export interface CollectOptions {
  /** The server's root directory: / on the server itself, another tree in tests. */
  root: string;
  name: string;
  exec: Exec;
  /** The emerge to ask for --info (default: emerge on PATH). */
  emerge?: string;
  signal?: AbortSignal;
}

export interface CollectedReport {
  members: ReportMember[];
  facts: ReportFacts;
}

/** The server's state cannot be read (no /etc/portage, a file that cannot be opened); the message says which. */
export class ReportCollectError extends Error {
  override readonly name = "ReportCollectError";
}

// Names of key material (OpenSSH, PEM, PKCS#12, GnuPG keyrings); contents are checked as well.
const PRIVATE_NAME = /^id_(rsa|dsa|ecdsa|ed25519)$|\.(pem|key|p12|pfx|gpg|kbx)$|(^|[._-])(secret|private)([._-]|$)/i;
const PRIVATE_CONTENT = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----/;
const EMERGE_INFO_TIMEOUT_MS = 120_000;

export async function collectReport(options: CollectOptions): Promise<CollectedReport> {
  const walk: Walk = { root: options.root, members: [], links: [], skipped: [], bytes: 0 };
  const etc = await lstat(path.join(options.root, ETC_PORTAGE)).catch(() => undefined);
  if (!etc?.isDirectory()) throw new ReportCollectError(`${path.join(options.root, ETC_PORTAGE)} is not a directory: run binpkgbot report on a Gentoo system, or give --root DIR`);
  walk.members.push({ kind: "directory", path: "etc" }, { kind: "directory", path: ETC_PORTAGE });
  await readTree(walk, ETC_PORTAGE);
  await readWorldFiles(walk);
  keepLinksSafe(walk);
  const facts: ReportFacts = {
    format: FACTS_FORMAT, name: options.name, emergeInfo: await readEmergeInfo(options), links: walk.links, skipped: walk.skipped,
  };
  const factsMember: ReportMember = { kind: "file", path: FACTS_PATH, data: Buffer.from(`${JSON.stringify(facts, null, 2)}\n`) };
  return { members: [factsMember, ...walk.members], facts };
}

interface Walk {
  root: string;
  members: ReportMember[];
  links: ReportFacts["links"];
  skipped: ReportFacts["skipped"];
  bytes: number;
}

async function readTree(walk: Walk, dir: string): Promise<void> {
  for (const name of (await readdir(path.join(walk.root, dir))).sort()) {
    const rel = `${dir}/${name}`;
    const stats = await lstat(path.join(walk.root, rel));
    if (stats.isDirectory() && name === "gnupg") walk.skipped.push({ path: rel, reason: "Portage's keyring is never sent" });
    else if (stats.isDirectory()) {
      walk.members.push({ kind: "directory", path: rel });
      await readTree(walk, rel);
    } else if (stats.isSymbolicLink()) addLink(walk, rel, await readlink(path.join(walk.root, rel)));
    else if (!stats.isFile()) walk.skipped.push({ path: rel, reason: "not a regular file, directory or symlink" });
    else if (PRIVATE_NAME.test(name)) walk.skipped.push({ path: rel, reason: "its name looks like a private key's" });
    else await addFile(walk, rel);
  }
}

/** A link inside /etc/portage stays a link (an absolute one is made relative); any other is data. */
function addLink(walk: Walk, rel: string, target: string): void {
  const relative = target.startsWith(`/${ETC_PORTAGE}/`) || target === `/${ETC_PORTAGE}` ? path.posix.relative(path.posix.dirname(`/${rel}`), target) || "." : target;
  const placed = checkEntryPlace({ kind: "symlink", path: rel, target: relative });
  if (placed.ok) walk.members.push({ kind: "symlink", path: rel, target: relative });
  else walk.links.push({ path: rel, target });
}

async function addFile(walk: Walk, rel: string): Promise<void> {
  const data = await readSmallFile(path.join(walk.root, rel), DEFAULT_REPORT_LIMITS.maxBytes);
  if (data === undefined) walk.skipped.push({ path: rel, reason: `larger than ${DEFAULT_REPORT_LIMITS.maxBytes} bytes` });
  else if (PRIVATE_CONTENT.test(data.toString("latin1"))) walk.skipped.push({ path: rel, reason: "it holds a private key" });
  else walk.members.push({ kind: "file", path: rel, data });
}

async function readWorldFiles(walk: Walk): Promise<void> {
  const found: ReportMember[] = [];
  for (const rel of WORLD_FILES) {
    const stats = await lstat(path.join(walk.root, rel)).catch(() => undefined);
    if (stats?.isFile()) {
      const data = await readSmallFile(path.join(walk.root, rel), DEFAULT_REPORT_LIMITS.maxBytes);
      if (data !== undefined) found.push({ kind: "file", path: rel, data });
    } else if (stats !== undefined || rel.endsWith("/world")) walk.skipped.push({ path: rel, reason: stats ? "not a regular file" : "missing" });
  }
  if (found.length === 0) return;
  walk.members.push({ kind: "directory", path: "var" }, { kind: "directory", path: "var/lib" }, { kind: "directory", path: "var/lib/portage" }, ...found);
}

/** Undefined when the file is over `max` bytes; never blocks on a FIFO put there meanwhile. */
async function readSmallFile(file: string, max: number): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    throw new ReportCollectError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (stats.size > max) return undefined;
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** The receiver refuses a link whose target walks through another link; send such links as data. */
function keepLinksSafe(walk: Walk): void {
  const entries: ReportEntry[] = walk.members.map((m) => (m.kind === "file" ? { kind: "file", path: m.path, size: m.data.length } : m));
  if (checkEntrySet([...entries, { kind: "file", path: FACTS_PATH, size: 0 }]).ok) return;
  for (const member of walk.members.filter((m) => m.kind === "symlink")) walk.links.push({ path: member.path, target: member.target });
  walk.members = walk.members.filter((m) => m.kind !== "symlink");
}

/** What `emerge --info` says; --config-root makes it read ROOT/etc/portage (lib/_emerge/main.py sets PORTAGE_CONFIGROOT from it). */
async function readEmergeInfo(options: CollectOptions): Promise<EmergeInfo> {
  const argv = [options.emerge ?? "emerge", "--info", ...(path.resolve(options.root) === "/" ? [] : ["--config-root", options.root])];
  const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(EMERGE_INFO_TIMEOUT_MS)]) : AbortSignal.timeout(EMERGE_INFO_TIMEOUT_MS);
  let result;
  try {
    result = await options.exec.run(argv, { signal });
  } catch (error) {
    return { ok: false, problem: `cannot run ${argv[0]} (${(error as Error).message}): emerge is not installed or not on PATH, so the report has no profile, CHOST, ARCH or CFLAGS from it` };
  }
  if (result.code !== 0) {
    const line = result.stderr.trim().split("\n").at(-1) ?? "";
    return { ok: false, problem: `${argv.join(" ")} exited with ${result.code ?? result.signal}${line ? `: ${line}` : ""}` };
  }
  return parseEmergeInfo(result.stdout);
}
