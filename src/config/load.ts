// binpkgbot.yml and its includes → Config or issues. The files come in through `ConfigFiles`, so this
// stays pure and is tested with files in memory; src/io/config-files.ts reads the real disk.
import path from "node:path";
import { isScalar } from "yaml";
import type { Bind, Config, SyncSpec, Task } from "./config.js";
import { normalizeDaemonKeys } from "./daemon-keys.js";
import { defaultStateDir } from "./default-state-dir.js";
import { normalizeLogRetention } from "./log-retention.js";
import { normalizeMemoryMax } from "./memory-max.js";
import { normalizeReleaseKeys } from "./release-keys.js";
import { defaultReleasesDir } from "../releases/release-layout.js";
import { formatIssue, type ConfigIssue, type LocatedIssue, type PathSegment } from "./issues.js";
import type { ParseContext } from "./schema-kit.js";
import { configSchema } from "./schema.js";
import type { Infer } from "./schema-kit.js";
import { locate, nodeAt } from "./source.js";
import { checkTaskIds, normalizeRunTask } from "./tasks.js";
import { compareFileNames } from "./glob.js";
import { emptyLoader, expandTasks, readSource, realpathOr, type ConfigFiles, type Loader } from "./includes.js";
import { MAX_LISTED_ISSUES } from "./limits.js";
import { checkValues } from "./value-checks.js";
import { normalizeServers } from "./servers.js";
import { resolveServerTasks } from "./server-tasks.js";

export type { ConfigFiles } from "./includes.js";

export type LoadResult =
  | { ok: true; config: Config; warnings: LocatedIssue[] }
  /** `issues` lists at most MAX_LISTED_ISSUES problems and then one that counts the rest; `total` counts all. */
  | { ok: false; issues: LocatedIssue[]; total: number };

type RawConfig = NonNullable<Infer<typeof configSchema>>;

export function loadConfig(configFile: string, files: ConfigFiles): LoadResult {
  const file = path.resolve(configFile);
  const loader = emptyLoader(files);
  const source = readSource(loader, file);
  const ctx: ParseContext = { file, issues: loader.issues };
  // A key of the wrong type must not hide the checks of the others: they run on a salvaged copy.
  const raw = source ? configSchema.salvage(source.doc.contents, [], ctx, REQUIRED_STAND_INS) : undefined;
  const tasks: Task[] = [];
  if (source && source.doc.contents) expandTasks(loader, file, tasks, [realpathOr(files, file)], ctx);
  const config = raw ? normalizeConfig(raw, file, tasks, loader) : undefined;
  checkTaskIds(config?.tasks ?? tasks, loader.issues);
  const all = distinct([...loader.located, ...loader.issues.map((issue) => locateIn(loader, issue))]);
  const errors = all.filter((issue) => issue.severity !== "warning").sort(byPosition);
  if (errors.length > 0 || !config) {
    const failed = errors.length > 0 ? errors : all;
    return { ok: false, issues: listFirst(failed, file), total: failed.length };
  }
  return { ok: true, config: { ...config, files: [...loader.sources.keys()] }, warnings: listFirst(all.filter((issue) => issue.severity === "warning").sort(byPosition), file) };
}

/** A task reached through many includes gives the same problem each time; it is listed once. */
function distinct(issues: LocatedIssue[]): LocatedIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = formatIssue(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Thousands of lines help nobody (and would flood the daemon's log and notifications): the first ones and a count. */
export function listFirst(issues: LocatedIssue[], file: string): LocatedIssue[] {
  if (issues.length <= MAX_LISTED_ISSUES) return issues;
  const more = issues.length - MAX_LISTED_ISSUES;
  return [
    ...issues.slice(0, MAX_LISTED_ISSUES),
    { file, path: [], line: 1, column: 1, severity: issues[0]?.severity, message: `and ${more} more problems, not listed (only the first ${MAX_LISTED_ISSUES} are)`, hint: "fix these first" },
  ];
}

/** Where a required path has the wrong type: a value no check objects to (the config is rejected anyway). */
const REQUIRED_STAND_INS = { stage: "/stage", etc_portage: "/etc-portage", portage_repo: "/repo" };

function byPosition(a: LocatedIssue, b: LocatedIssue): number {
  return compareFileNames(a.file, b.file) || a.line - b.line || a.column - b.column;
}

export function locateIn(loader: Loader, issue: ConfigIssue): LocatedIssue {
  const source = loader.sources.get(issue.file);
  return source ? locate(source, issue) : { ...issue, line: 1, column: 1 };
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
  const servers = normalizeServers(raw.servers, base, (issue) => loader.issues.push({ file, ...issue }));
  checkValues(raw, base, (issue) => loader.issues.push({ file, ...issue }));
  return {
    file,
    stage: hostPath("stage", raw.stage),
    stageGenerations: raw.stage_generations,
    keepFailed: raw.keep_failed,
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
    memoryMax: normalizeMemoryMax(raw.memory_max, (issue) => loader.issues.push({ file, ...issue })),
    emergeOptions: raw.emerge_options,
    configProtectMask: raw.config_protect_mask === undefined || raw.config_protect_mask === true ? "/etc" : raw.config_protect_mask === false ? null : raw.config_protect_mask,
    sync: normalizeSync(raw.sync),
    stageBinrepos: raw.stage_binrepos,
    signing: raw.signing ? { key: checkSigningKey(loader, file, raw.signing.key), gnupgHome: hostPath("signing", raw.signing.gnupg_home) } : null,
    binds: binds.filter((bind) => bind !== pkgdir?.bind),
    tasks: resolveServerTasks(tasks, servers, loader.issues),
    servers,
    retries: raw.retries,
    jobs: raw.jobs,
    buildJobs: raw.build_jobs ?? null,
    daemon: {
      ...normalizeDaemonKeys(raw, (issue) => loader.issues.push({ file, ...issue })),
      dashboardTokenFile: raw.dashboard?.token_file === undefined ? null : path.resolve(base, raw.dashboard.token_file),
    },
    releases: normalizeReleaseKeys(raw, raw.releases_dir === undefined ? defaultReleasesDir(pkgdir?.from ?? "") : hostPath("releases_dir", raw.releases_dir),
      pkgdir?.from ?? "", (issue) => loader.issues.push({ file, ...issue })),
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

/**
 * Positions for issues found after loading (checks against the ebuild repository), from the same files.
 * A trailing index into a value written as one scalar (`use: x256`, not a list) is dropped from the path.
 */
export function locateIssues(files: ConfigFiles, issues: readonly ConfigIssue[]): LocatedIssue[] {
  const loader = emptyLoader(files);
  return issues.map((issue) => {
    const source = readSource(loader, issue.file);
    if (!source) return { ...issue, line: 1, column: 1 };
    const last = issue.path.at(-1);
    const scalar = typeof last === "number" && isScalar(nodeAt(source, issue.path.slice(0, -1)).node);
    return locate(source, scalar ? { ...issue, path: issue.path.slice(0, -1) } : issue);
  });
}
