// What `coverage` and the daemon read of a server that reports itself: its last complete copy.
// The link state_dir/servers/NAME is resolved once, so every path returned lies in one generation
// even if a new report replaces the link meanwhile (store-report.ts removes an old generation only
// after the swap; a reader that needs it for long should copy what it needs first).
import { lstat, mkdir, readFile, realpath, symlink } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_REPORT_LIMITS, ETC_PORTAGE, FACTS_PATH, WORLD_FILES } from "./report-entries.js";
import { parseReportFacts, type ReportFacts } from "./report-facts.js";
import { serverReportDir } from "./store-report.js";

export interface ServerReport {
  name: string;
  /** The generation directory this report was read from. */
  dir: string;
  /** The server's /etc/portage; links that pointed out of it (make.profile) are in facts.links, to recreate where it is used. */
  etcPortage: string;
  /** /var/lib/portage/world and world_sets, null when the server had none. */
  world: string | null;
  worldSets: string | null;
  facts: ReportFacts;
  receivedAt: Date | null;
}

/** A stored report that cannot be read (damaged by hand: the receiver only stores checked ones). */
export class ServerReportError extends Error {
  override readonly name = "ServerReportError";
}

/** The server's last report, or null when it never reported. */
export async function readServerReport(stateDir: string, name: string): Promise<ServerReport | null> {
  let dir: string;
  try {
    dir = await realpath(serverReportDir(stateDir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  const text = await readFile(path.join(dir, FACTS_PATH));
  const facts = parseReportFacts(text, name, DEFAULT_REPORT_LIMITS);
  if (!facts.ok) throw new ServerReportError(`${path.join(dir, FACTS_PATH)}: ${facts.problem}; the next report of ${name} replaces it`);
  const receivedAt = (JSON.parse(text.toString("utf8")) as { receivedAt?: unknown }).receivedAt;
  const [world, worldSets] = await Promise.all(WORLD_FILES.map((rel) => regularFile(path.join(dir, rel))));
  return {
    name, dir, etcPortage: path.join(dir, ETC_PORTAGE), world: world ?? null, worldSets: worldSets ?? null, facts: facts.value,
    receivedAt: typeof receivedAt === "string" && !Number.isNaN(Date.parse(receivedAt)) ? new Date(receivedAt) : null,
  };
}

async function regularFile(file: string): Promise<string | null> {
  const stats = await lstat(file).catch(() => undefined);
  return stats?.isFile() ? file : null;
}

/**
 * Puts the links a report carried as data (make.profile into the repository) into a copy of the
 * server's /etc/portage that is used where they resolve as on the server: inside a container whose
 * /etc/portage the copy is. Never into the stored report itself, and never over an existing name.
 */
export async function recreateOutLinks(facts: ReportFacts, etcPortageCopy: string): Promise<void> {
  for (const link of facts.links) {
    // parseReportFacts checked each path: relative, below etc/portage, no '.' or '..'.
    const where = path.join(etcPortageCopy, link.path.slice(ETC_PORTAGE.length + 1));
    await mkdir(path.dirname(where), { recursive: true });
    await symlink(link.target, where);
  }
}
