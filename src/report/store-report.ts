// Each server's last report under state_dir, replaced whole or not at all. `servers/NAME` is a
// symlink to the generation directory `servers/.NAME.<id>`: a new report is written into a fresh
// generation, flushed, and the link is replaced with rename(2), which is atomic; only then are
// older generations removed. A crash at any point leaves the link on a complete copy, and the
// next report removes what was left half-written. A directory cannot be renamed over a non-empty
// one, which is why the link exists.
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readlink, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { replaceSymlink, syncDirectory } from "../io/atomic-file.js";
import { FACTS_PATH } from "./report-entries.js";
import type { ReportFacts } from "./report-facts.js";
import type { ReportMember } from "./report-tar.js";
import { serverReportDir } from "./reporting-servers.js";

export interface StoredReport {
  name: string;
  /** `state_dir/servers/NAME`: read the server's etc/portage, var/lib/portage/world and report.json below it. */
  dir: string;
  receivedAt: Date;
  facts: ReportFacts;
  /** Regular files written (report.json included). */
  files: number;
}

export { serverReportDir };

// One report per server at a time in this process; two at once would race on the link.
const queues = new Map<string, Promise<unknown>>();

export function storeReport(stateDir: string, name: string, members: readonly ReportMember[], facts: ReportFacts, now: Date): Promise<StoredReport> {
  const key = serverReportDir(stateDir, name);
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => replaceCopy(stateDir, name, members, facts, now));
  queues.set(key, next);
  void next.finally(() => {
    if (queues.get(key) === next) queues.delete(key);
  }).catch(() => undefined);
  return next;
}

async function replaceCopy(stateDir: string, name: string, members: readonly ReportMember[], facts: ReportFacts, now: Date): Promise<StoredReport> {
  const serversDir = path.join(stateDir, "servers");
  await mkdir(serversDir, { recursive: true, mode: 0o750 });
  const generation = `.${name}.${now.getTime()}-${randomBytes(4).toString("hex")}`;
  const target = path.join(serversDir, generation);
  let files: number;
  try {
    await mkdir(target, { mode: 0o750 });
    files = await writeMembers(target, members, { ...facts, receivedAt: now.toISOString() });
  } catch (error) {
    await rm(target, { recursive: true, force: true });
    throw error;
  }
  await replaceSymlink(path.join(serversDir, name), generation);
  await removeOtherGenerations(serversDir, name, generation);
  return { name, dir: path.join(serversDir, name), receivedAt: now, facts, files };
}

/** Writes into a fresh directory; checkEntrySet has ruled out any entry below a file or a symlink. */
async function writeMembers(root: string, members: readonly ReportMember[], facts: ReportFacts & { receivedAt: string }): Promise<number> {
  const directories = new Set<string>([root]);
  let files = 0;
  for (const member of members) {
    const where = path.join(root, member.path);
    if (member.kind === "directory") {
      await mkdir(where, { recursive: true, mode: 0o755 });
      directories.add(where);
      continue;
    }
    await mkdir(path.dirname(where), { recursive: true, mode: 0o755 });
    directories.add(path.dirname(where));
    if (member.kind === "symlink") {
      await symlink(member.target, where);
      continue;
    }
    // The facts as checked, with the time received, replace the document as sent.
    const data = member.path === FACTS_PATH ? Buffer.from(`${JSON.stringify(facts, null, 2)}\n`) : member.data;
    await writeNewFile(where, data);
    files++;
  }
  for (const dir of directories) await syncDirectory(dir);
  return files;
}

async function writeNewFile(file: string, data: Uint8Array): Promise<void> {
  // "wx": O_CREAT|O_EXCL, which never follows a symlink at the name (open(2)).
  const handle = await open(file, "wx", 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeOtherGenerations(serversDir: string, name: string, current: string): Promise<void> {
  const pointed = await readlink(path.join(serversDir, name)).catch(() => current);
  for (const entry of await readdir(serversDir)) {
    if (entry.startsWith(`.${name}.`) && entry !== current && entry !== pointed && isGeneration(entry, name)) {
      await rm(path.join(serversDir, entry), { recursive: true, force: true });
    }
  }
}

/** `.NAME.<ms>-<hex>`: so a server called `a` never removes the copies of a server called `a.b`. */
function isGeneration(entry: string, name: string): boolean {
  return /^\d+-[0-9a-f]{8}$/.test(entry.slice(name.length + 2));
}
