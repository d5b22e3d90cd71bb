// Effects: reads the fingerprint inputs that live on disk (see fingerprint.ts for what each one means).
import { createHash, type Hash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { runChecked, type Exec } from "../exec/exec.js";
import type { PlannedServer } from "../plan/plan.js";

/** An input could not be read; the message names the path and what to check. */
export class FingerprintInputError extends Error {
  override readonly name = "FingerprintInputError";
  constructor(message: string, readonly path: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bounds of the fallback tree walk of readRepoRevision: ::gentoo holds about 200,000 files. */
export const TREE_WALK_LIMITS = { depth: 3, entries: 400_000 } as const;

/**
 * The repository's revision, prefixed with how it was found:
 * - `git:<HEAD>` if `.git` exists (a git-synced repo; uncommitted edits are not seen);
 * - `timestamp:<metadata/timestamp.chk>` (rsync and webrsync write it on every sync);
 * - `tree:<sha256>` of names, sizes and mtimes down to TREE_WALK_LIMITS.depth levels
 *   (repo/category/package/file), not file contents: bounded effort for a local overlay.
 */
export async function readRepoRevision(repoDir: string, exec: Exec): Promise<string> {
  if (await exists(path.join(repoDir, ".git"))) {
    // safe.directory: the repo usually belongs to the portage user while binpkgbot runs as root.
    const argv = ["git", "-c", `safe.directory=${repoDir}`, "-C", repoDir, "rev-parse", "HEAD"];
    try {
      const result = await runChecked(exec, argv);
      return `git:${result.stdout.trim()}`;
    } catch (error) {
      throw new FingerprintInputError(`cannot read the git revision of ${repoDir}: ${(error as Error).message}; check with: ${argv.join(" ")}`, repoDir, { cause: error });
    }
  }
  const timestamp = path.join(repoDir, "metadata", "timestamp.chk");
  if (await exists(timestamp)) return `timestamp:${(await readFile(timestamp, "utf8")).trim()}`;
  if (!(await exists(repoDir))) throw new FingerprintInputError(`the Portage repository ${repoDir} does not exist: check 'portage_repo' in the config`, repoDir);
  const hash = createHash("sha256");
  const count = await walkTree(repoDir, "", 0, hash, { entries: 0 });
  return `tree:${hash.digest("hex")}${count > TREE_WALK_LIMITS.entries ? "+truncated" : ""}`;
}

async function walkTree(root: string, relative: string, depth: number, hash: Hash, seen: { entries: number }): Promise<number> {
  const names = (await readdir(path.join(root, relative))).sort(compareBytes);
  for (const name of names) {
    if (++seen.entries > TREE_WALK_LIMITS.entries) return seen.entries;
    const child = relative === "" ? name : `${relative}/${name}`;
    const stat = await lstat(path.join(root, child));
    hash.update(`${child}\0${stat.size}\0${stat.mtimeMs}\n`);
    if (stat.isDirectory() && depth + 1 < TREE_WALK_LIMITS.depth) await walkTree(root, child, depth + 1, hash, seen);
  }
  return seen.entries;
}

/**
 * sha256 of a directory tree: every entry's relative path, type and permission bits, each file's
 * content and each symlink's target (not followed), in byte order of the paths. Owners and times
 * are left out: copying etc_portage elsewhere keeps its hash.
 */
export async function hashDirectory(dir: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    await hashEntries(dir, "", hash);
  } catch (error) {
    throw new FingerprintInputError(`cannot read ${dir} to fingerprint it: ${(error as Error).message}; check that it exists and is readable`, dir, { cause: error });
  }
  return hash.digest("hex");
}

async function hashEntries(root: string, relative: string, hash: Hash): Promise<void> {
  const names = (await readdir(path.join(root, relative))).sort(compareBytes);
  for (const name of names) {
    const child = relative === "" ? name : `${relative}/${name}`;
    const full = path.join(root, child);
    const stat = await lstat(full);
    const mode = (stat.mode & 0o7777).toString(8);
    if (stat.isSymbolicLink()) hash.update(`l ${mode} ${child}\0${await readlink(full)}\n`);
    else if (stat.isDirectory()) {
      hash.update(`d ${mode} ${child}\n`);
      await hashEntries(root, child, hash);
    } else if (stat.isFile()) {
      const content = createHash("sha256").update(await readFile(full)).digest("hex");
      hash.update(`f ${mode} ${child}\0${content}\n`);
    } else hash.update(`o ${mode} ${child}\n`);
  }
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * sha256 of what a `server:` task reads of its server: the /etc/portage tree (hashDirectory), the
 * world, world_sets and set files by content, and for a reporting server the links its report carried
 * as data (make.profile). Nothing else beside them counts. A reporting server without a report hashes
 * as such: its step fails until one arrives.
 */
export async function hashServerInputs(server: PlannedServer): Promise<string> {
  const source = server.copies ? { name: server.name, report: false as const, ...server.copies } : { name: server.name, report: true as const };
  // Only runs with server tasks need the reports' readers: loaded here, not at every start.
  const { readServerFiles } = await import("../coverage/server-files.js");
  const files = await readServerFiles(server.stateDir, source);
  if (!files) return "no-report";
  const hash = createHash("sha256").update(`etc/portage ${await hashDirectory(files.etcPortage)}\n`);
  const named: [string, string | undefined][] = [["world", files.world], ["world_sets", files.worldSets], ...server.sets.map((file): [string, string] => [`sets/${path.basename(file)}`, file])];
  for (const [name, file] of named) {
    const content = file === undefined ? null : await readFile(file).catch((error: unknown) => {
      throw new FingerprintInputError(`cannot read ${file} of server ${server.name} to fingerprint it: ${(error as Error).message}; check that it exists and is readable`, file, { cause: error });
    });
    hash.update(`${name} ${content === null ? "-" : createHash("sha256").update(content).digest("hex")}\n`);
  }
  hash.update(`links ${JSON.stringify(files.facts?.links ?? [])}\n`);
  return hash.digest("hex");
}

/** The version in binpkgbot's package.json. */
export async function readBinpkgbotVersion(): Promise<string> {
  const file = new URL("../../../package.json", import.meta.url);
  const pkg = JSON.parse(await readFile(file, "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string") throw new FingerprintInputError(`${file.pathname} has no version`, file.pathname);
  return pkg.version;
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new FingerprintInputError(`cannot look at ${file}: ${(error as Error).message}`, file, { cause: error });
  }
}
