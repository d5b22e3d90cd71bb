// binpkgbot.yml and its includes → Config or issues. The files come in through `ConfigFiles`, so this
// stays pure and is tested with files in memory; src/io/config-files.ts reads the real disk.
import path from "node:path";
import type { Bind, Config, SyncSpec, Task, TaskOrigin } from "./config.js";
import { normalizeDaemonKeys } from "./daemon-keys.js";
import { defaultStateDir } from "./default-state-dir.js";
import { normalizeLogRetention } from "./log-retention.js";
import { formatIssue, type ConfigIssue, type LocatedIssue, type PathSegment } from "./issues.js";
import type { ParseContext } from "./schema-kit.js";
import { configSchema, taskListSchema } from "./schema.js";
import type { Infer } from "./schema-kit.js";
import { locate, parseSource, type SourceDoc } from "./source.js";
import { checkTaskIds, normalizeBuildTask, normalizeRunTask, type RawBuild, type RawRun } from "./tasks.js";
import { compareFileNames } from "./glob.js";
import { checkValues } from "./value-checks.js";

export interface ConfigFiles {
  /** The file's text; throws an Error whose message says why it cannot be read. */
  read(file: string): string;
  /** Absolute paths matching an absolute glob pattern. */
  glob(pattern: string): string[];
  /** The canonical path (symlinks resolved), for cycle detection. */
  realpath(file: string): string;
}

export type LoadResult =
  | { ok: true; config: Config; warnings: LocatedIssue[] }
  | { ok: false; issues: LocatedIssue[] };

type RawConfig = NonNullable<Infer<typeof configSchema>>;
type RawTask = Infer<typeof taskListSchema>[number];

interface Loader {
  files: ConfigFiles;
  sources: Map<string, SourceDoc>;
  located: LocatedIssue[];
  issues: ConfigIssue[];
}

function readSource(loader: Loader, file: string, from?: { file: string; path: PathSegment[] }): SourceDoc | undefined {
  let text: string;
  try {
    text = loader.files.read(file);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (from) loader.issues.push({ file: from.file, path: from.path, message: `cannot read ${file}: ${reason}` });
    else loader.located.push({ file, path: [], line: 1, column: 1, message: `cannot read the config: ${reason}`, hint: "give the right file with -c PATH" });
    return undefined;
  }
  const { source, issues } = parseSource(file, text);
  loader.sources.set(file, source);
  loader.located.push(...issues);
  return issues.length > 0 ? undefined : source;
}

export function loadConfig(configFile: string, files: ConfigFiles): LoadResult {
  const file = path.resolve(configFile);
  const loader: Loader = { files, sources: new Map(), located: [], issues: [] };
  const source = readSource(loader, file);
  const ctx: ParseContext = { file, issues: loader.issues };
  // A key of the wrong type must not hide the checks of the others: they run on a salvaged copy.
  const raw = source ? configSchema.salvage(source.doc.contents, [], ctx, REQUIRED_STAND_INS) : undefined;
  const tasks: Task[] = [];
  if (source && source.doc.contents) expandTasks(loader, file, tasks, [realpathOr(files, file)], ctx);
  const config = raw ? normalizeConfig(raw, file, tasks, loader) : undefined;
  checkTaskIds(tasks, loader.issues);
  const all = [...loader.located, ...loader.issues.map((issue) => locateIn(loader, issue))];
  const errors = all.filter((issue) => issue.severity !== "warning").sort(byPosition);
  if (errors.length > 0 || !config) return { ok: false, issues: errors.length > 0 ? errors : all };
  return { ok: true, config: { ...config, files: [...loader.sources.keys()] }, warnings: all.filter((issue) => issue.severity === "warning").sort(byPosition) };
}

/** Where a required path has the wrong type: a value no check objects to (the config is rejected anyway). */
const REQUIRED_STAND_INS = { stage: "/stage", etc_portage: "/etc-portage", portage_repo: "/repo" };

function byPosition(a: LocatedIssue, b: LocatedIssue): number {
  return compareFileNames(a.file, b.file) || a.line - b.line || a.column - b.column;
}

function locateIn(loader: Loader, issue: ConfigIssue): LocatedIssue {
  const source = loader.sources.get(issue.file);
  return source ? locate(source, issue) : { ...issue, line: 1, column: 1 };
}

function realpathOr(files: ConfigFiles, file: string): string {
  try {
    return files.realpath(file);
  } catch {
    return file;
  }
}

/**
 * Walks one file's task list. The root file's list was shape-checked with the whole config already (its
 * issues are reported there); an included file's list is checked here, against its own positions.
 */
function expandTasks(loader: Loader, file: string, out: Task[], chain: string[], ctx: ParseContext): void {
  const source = loader.sources.get(file);
  if (!source) return;
  const isRoot = file === ctx.file;
  const listNode = isRoot ? source.doc.get("tasks", true) : source.doc.contents;
  const listPath: PathSegment[] = isRoot ? ["tasks"] : [];
  if (listNode === undefined || listNode === null) return;
  const entries = taskListSchema.parseItems(listNode, listPath, { file, issues: isRoot ? [] : loader.issues });
  if (!entries) return;
  entries.forEach((entry, index) => {
    if (entry === undefined) return;
    const taskPath = [...listPath, index];
    const line = locate(source, { file, path: taskPath, message: "" }).line;
    const origin: TaskOrigin = { file, path: taskPath, line, includedFrom: chain.slice(0, -1) };
    addTask(loader, entry, origin, out, chain, ctx);
  });
}

function addTask(loader: Loader, entry: RawTask, origin: TaskOrigin, out: Task[], chain: string[], ctx: ParseContext): void {
  switch (entry.tag) {
    case "upgrade":
    case "install": {
      const task = normalizeBuildTask(entry.tag, entry.value as RawBuild, origin, loader.issues);
      if (task) out.push(task);
      return;
    }
    case "run":
      out.push(normalizeRunTask(entry.value as RawRun, origin));
      return;
    case "include":
      includeFiles(loader, entry.value as string, origin, out, chain, ctx);
      return;
    default: {
      const never: never = entry;
      throw new Error(`unhandled task ${JSON.stringify(never)}`);
    }
  }
}

function includeFiles(loader: Loader, pattern: string, origin: TaskOrigin, out: Task[], chain: string[], ctx: ParseContext): void {
  const where = { file: origin.file, path: [...origin.path, "include"] };
  const absolute = path.resolve(path.dirname(origin.file), pattern);
  let matches: string[];
  try {
    matches = [...loader.files.glob(absolute)].sort(compareFileNames);
  } catch (error) {
    loader.issues.push({ ...where, message: `cannot expand '${pattern}': ${error instanceof Error ? error.message : String(error)}` });
    return;
  }
  if (matches.length === 0) {
    loader.issues.push({ ...where, message: `'${pattern}' matches no file (looked for ${absolute})`, hint: "fix the path, which is relative to this file, or remove the include" });
    return;
  }
  for (const match of matches) {
    const real = realpathOr(loader.files, match);
    if (chain.includes(real)) {
      loader.issues.push({ ...where, message: `include cycle: ${[...chain, real].map((f) => path.basename(f)).join(" → ")}`, hint: "remove the include that leads back to a file already being read" });
      continue;
    }
    if (!readSource(loader, match, where)) continue;
    expandTasks(loader, match, out, [...chain, real], ctx);
  }
}

function normalizeConfig(raw: RawConfig, file: string, tasks: Task[], loader: Loader): Omit<Config, "files"> | undefined {
  const base = path.dirname(file);
  const hostPath = (key: string, value: string): string => checkPath(loader, file, [key], path.resolve(base, value), value);
  const containerPath = (pathKey: PathSegment[], value: string): string => {
    if (!value.startsWith("/")) loader.issues.push({ file, path: pathKey, message: `'${value}' must be an absolute path inside the container` });
    return checkPath(loader, file, pathKey, path.posix.normalize(value), value);
  };
  const binds = raw.binds.map((bind, index) => normalizeBind(bind, base, [`binds`, index], loader, file, containerPath));
  const pkgdirLocation = containerPath(["pkgdir_location"], raw.pkgdir_location);
  const pkgdir = resolvePkgdir(raw.pkgdir ? hostPath("pkgdir", raw.pkgdir) : undefined, binds, pkgdirLocation, loader, file);
  checkEmergeOptions(raw.emerge_options, loader, file);
  checkValues(raw, base, (issue) => loader.issues.push({ file, ...issue }));
  return {
    file,
    stage: hostPath("stage", raw.stage),
    stageGenerations: raw.stage_generations,
    etcPortage: hostPath("etc_portage", raw.etc_portage),
    portageRepo: hostPath("portage_repo", raw.portage_repo),
    portageRepoLocation: containerPath(["portage_repo_location"], raw.portage_repo_location),
    pkgdir: pkgdir?.from ?? "",
    pkgdirLocation: pkgdir?.to ?? pkgdirLocation,
    distdir: raw.distdir === undefined ? null : hostPath("distdir", raw.distdir),
    distdirLocation: containerPath(["distdir_location"], raw.distdir_location),
    stateDir: raw.state_dir === undefined ? defaultStateDir(realpathOr(loader.files, file)) : hostPath("state_dir", raw.state_dir),
    logRetention: normalizeLogRetention(raw.log_retention, (issue) => loader.issues.push({ file, ...issue })),
    useSudo: raw.use_sudo_for_nspawn,
    emergeOptions: raw.emerge_options,
    configProtectMask: raw.config_protect_mask === undefined || raw.config_protect_mask === true ? "/etc" : raw.config_protect_mask === false ? null : raw.config_protect_mask,
    sync: normalizeSync(raw.sync),
    stageBinrepos: raw.stage_binrepos,
    signing: raw.signing ? { key: checkSigningKey(loader, file, raw.signing.key), gnupgHome: hostPath("signing", raw.signing.gnupg_home) } : null,
    binds: binds.filter((bind) => bind !== pkgdir?.bind),
    tasks,
    daemon: normalizeDaemonKeys(raw, (issue) => loader.issues.push({ file, ...issue })),
  };
}

/**
 * Portage splices the key into its gpg command line and splits it like a shell (lib/portage/gpkg.py,
 * "--local-user {gpg_key}"), so only a fingerprint or a long key id is safe there.
 */
function checkSigningKey(loader: Loader, file: string, key: string): string {
  const id = key.replace(/^0x/i, "");
  if (!/^([0-9A-Fa-f]{16}|[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(id)) {
    loader.issues.push({ file, path: ["signing", "key"], message: `'${key}' is not a key fingerprint or long key id`, hint: "use the 40 hex digits gpg --list-secret-keys --with-colons prints on the fpr line" });
  }
  return id.toUpperCase();
}

function normalizeSync(raw: RawConfig["sync"]): SyncSpec {
  if (raw === false) return { kind: "none" };
  if (raw === true) return { kind: "emerge" };
  return { kind: "script", host: raw.host, script: normalizeRunTask({ script: raw.script, host: raw.host, persist: true }, { file: "", path: [], line: 0, includedFrom: [] }).script };
}

/** Paths are handed to systemd-nspawn as --bind=SRC:DST, so ':' and control characters cannot be part of them. */
function checkPath(loader: Loader, file: string, key: PathSegment[], resolved: string, written: string): string {
  const bad = written.search(/[:\0\n\r\t]/);
  if (bad !== -1) {
    loader.issues.push({ file, path: key, offset: bad, message: `path '${written}' contains '${JSON.stringify(written[bad]).slice(1, -1)}', which a bind mount cannot take`, hint: "use a path without ':' (a symlink to it works)" });
  }
  return resolved;
}

type RawBind = RawConfig["binds"][number];

function normalizeBind(
  raw: RawBind, base: string, key: PathSegment[], loader: Loader, file: string,
  containerPath: (key: PathSegment[], value: string) => string,
): Bind {
  if (typeof raw === "string") {
    const from = checkPath(loader, file, key, path.resolve(base, raw), raw);
    return { from, to: raw.startsWith("/") ? from : containerPath(key, raw), writable: false };
  }
  const forms = [raw.ro !== undefined, raw.rw !== undefined, raw.from !== undefined].filter(Boolean).length;
  if (forms !== 1) {
    loader.issues.push({ file, path: key, message: "a bind needs exactly one of 'ro', 'rw' or 'from'", hint: "e.g. {rw: /var/tmp/x} or {from: /host, to: /inside, writable: true}" });
    return { from: "", to: "", writable: false };
  }
  const hostValue = raw.ro ?? raw.rw ?? raw.from ?? "";
  const hostKey = raw.ro !== undefined ? "ro" : raw.rw !== undefined ? "rw" : "from";
  const from = checkPath(loader, file, [...key, hostKey], path.resolve(base, hostValue), hostValue);
  const to = raw.to !== undefined ? containerPath([...key, "to"], raw.to) : from;
  return { from, to, writable: raw.rw !== undefined || (raw.from !== undefined && raw.writable) };
}

/** The original tool set PKGDIR through a writable bind; `pkgdir` is the direct way. One is required. */
function resolvePkgdir(
  pkgdir: string | undefined, binds: Bind[], location: string, loader: Loader, file: string,
): { from: string; to: string; bind?: Bind } | undefined {
  if (pkgdir) return { from: pkgdir, to: location };
  const legacy = ["/usr/portage/packages", location];
  const bind = binds.find((candidate) => candidate.writable && legacy.includes(candidate.to));
  if (bind) return { from: bind.from, to: bind.to, bind };
  loader.issues.push({
    file, path: [], message: "no PKGDIR: binpkgs built in a throw-away container would be lost",
    hint: "add 'pkgdir: /var/cache/binpkgs' (a host directory), or a writable bind to " + location,
  });
  return undefined;
}

const optionPattern = /^(-[A-Za-z]+|--[a-z][a-z0-9-]*(=[^\s'"`$;&|<>\\]+)?|[A-Za-z0-9@/_.,:=<>~*+-]+)$/;

function checkEmergeOptions(options: string[], loader: Loader, file: string): void {
  options.forEach((option, index) => {
    if (optionPattern.test(option)) return;
    const bad = option.search(/[\s'"`$;&|\\]/);
    loader.issues.push({
      file, path: ["emerge_options", index], offset: bad === -1 ? 0 : bad,
      message: `'${option}' is not an emerge option`,
      hint: /\s/.test(option) ? "write one option per list entry, e.g. ['--jobs', '2'] or ['--jobs=2']" : "emerge options look like -v or --jobs=2",
    });
  });
}

export function formatIssues(issues: readonly LocatedIssue[]): string {
  return issues.map(formatIssue).join("\n");
}
