// A validated config kept between runs, so that a short `binpkgbot run` neither loads the YAML parser
// and the schema (about half of the modules a run imports) nor parses the files again. loadConfig is
// pure: its result depends only on the config's path, the answers of `ConfigFiles` and the code. The
// entry records every question loadConfig asked and its answer; it is used only if asking all of them
// again gives the same answers (a changed byte, a new file matching an include glob, a moved symlink
// all miss) and it was written by the same code (see readCodeIdentity).
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import type { ConfigFiles } from "../config/includes.js";
import type { LoadResult } from "../config/load.js";


/** Entries not written for this long are removed when another is written (configs of removed test trees, old paths). */
const STALE_MS = 30 * 24 * 3600 * 1000;

type Answer = { ok: string } | { error: string };
type Question =
  | { kind: "read"; file: string; maxBytes: number; answer: Answer }
  | { kind: "glob"; pattern: string; answer: Answer }
  | { kind: "realpath"; file: string; answer: Answer };

type Asked = Question extends infer Q ? (Q extends Question ? Omit<Q, "answer"> : never) : never;

interface Entry {
  code: string;
  file: string;
  questions: Question[];
  result: Extract<LoadResult, { ok: true }>;
}

export interface ConfigCacheDeps {
  /** The directory of entries; null: no cache (every load parses). */
  dir: string | null;
  /** The code that loads configs (readCodeIdentity); an entry of other code is not used. */
  code: string;
  /** loadConfig, imported only on a miss. */
  load: () => Promise<(configFile: string, files: ConfigFiles) => LoadResult>;
}

/** loadConfig's result for the file, from the cache where every recorded answer is unchanged. */
export async function loadConfigCached(configFile: string, files: ConfigFiles, deps: ConfigCacheDeps): Promise<LoadResult> {
  const file = path.resolve(configFile);
  const entryFile = deps.dir === null ? null : path.join(deps.dir, `${createHash("sha256").update(file).digest("hex").slice(0, 32)}.json`);
  const cached = entryFile === null ? null : readEntry(entryFile);
  if (cached !== null && cached.code === deps.code && cached.file === file && cached.questions.every((question) => isDeepStrictEqual(ask(files, question), question.answer))) {
    return cached.result;
  }
  const questions: Question[] = [];
  const result = (await deps.load())(file, recording(files, questions));
  if (entryFile !== null && result.ok) writeEntry(entryFile, { code: deps.code, file, questions, result });
  return result;
}

/** The same answer for the same question, as data: bytes by their hash, errors by their message. */
function ask(files: ConfigFiles, question: Question): Answer {
  switch (question.kind) {
    case "read": return answer(() => hashBytes(files.read(question.file, question.maxBytes)));
    case "glob": return answer(() => JSON.stringify(files.glob(question.pattern)));
    case "realpath": return answer(() => files.realpath(question.file));
  }
}

function answer(get: () => string): Answer {
  try {
    return { ok: get() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function hashBytes(bytes: Uint8Array): string {
  return `${bytes.length}:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** `files`, noting each question and its answer; answers and errors pass through unchanged. */
function recording(files: ConfigFiles, questions: Question[]): ConfigFiles {
  const note = <T>(question: Asked, get: () => T, describe: (value: T) => string): T => {
    try {
      const value = get();
      questions.push({ ...question, answer: { ok: describe(value) } } as Question);
      return value;
    } catch (error) {
      questions.push({ ...question, answer: { error: error instanceof Error ? error.message : String(error) } } as Question);
      throw error;
    }
  };
  return {
    read: (file, maxBytes) => note({ kind: "read", file, maxBytes }, () => files.read(file, maxBytes), hashBytes),
    glob: (pattern) => note({ kind: "glob", pattern }, () => files.glob(pattern), (paths) => JSON.stringify(paths)),
    realpath: (file) => note({ kind: "realpath", file }, () => files.realpath(file), (real) => real),
  };
}

function readEntry(entryFile: string): Entry | null {
  try {
    const entry = JSON.parse(readFileSync(entryFile, "utf8")) as Partial<Entry>;
    return typeof entry.code === "string" && typeof entry.file === "string" && Array.isArray(entry.questions) && entry.result?.ok === true ? entry as Entry : null;
  } catch {
    return null;
  }
}

/**
 * Only a result that comes back from JSON exactly as it is (no Map, no undefined value, no -0) is kept;
 * anything else would come back different. The cache is an optimisation: failing to write it is no error.
 */
function writeEntry(entryFile: string, entry: Entry): void {
  const text = JSON.stringify(entry);
  if (!isDeepStrictEqual(JSON.parse(text).result, entry.result)) return;
  try {
    mkdirSync(path.dirname(entryFile), { recursive: true, mode: 0o700 });
    removeStaleEntries(path.dirname(entryFile), Date.now());
    // Another run may write the same entry at the same time: each writes its own file and renames it.
    const temporary = `${entryFile}.${process.pid}.tmp`;
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, entryFile);
  } catch {
    // Unwritable (not root, a read-only /var): every run parses, as without a cache.
  }
}

/** Old entries and temporary files; not the directory of compiled code (src/cli/main.ts), which Node keeps itself. */
function removeStaleEntries(dir: string, now: number): void {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const info = statSync(file, { throwIfNoEntry: false });
    if (info?.isFile() && now - info.mtimeMs > STALE_MS) rmSync(file, { force: true });
  }
}

/**
 * Which code loads configs: the versions in package.json files (binpkgbot's, yaml's, croner's) and every
 * compiled file in the directories the config loader imports from (size and modification time: a
 * rebuild rewrites them). A different identity misses the cache.
 */
export function readCodeIdentity(codeDirs: readonly string[], packageJsons: readonly string[]): string {
  const versions = packageJsons.map((file) => (JSON.parse(readFileSync(file, "utf8")) as { version?: string }).version ?? "");
  const code = codeDirs.flatMap((dir) => readdirSync(dir).filter((name) => name.endsWith(".js")).sort().map((name) => {
    const stats = statSync(path.join(dir, name));
    return `${path.join(dir, name)}:${stats.size}:${stats.mtimeMs}`;
  }));
  return createHash("sha256").update([...versions, ...code].join("\n")).digest("hex");
}
