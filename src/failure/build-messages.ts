// Failures while fetching and building: Portage's fetch and die messages, and what the system says
// when the disk or the memory runs out.
import path from "node:path";
import type { Failure } from "./failure.js";
import { capturesOf, findLastLine, findLine, lastLines } from "./output-text.js";

/** Where the step's build logs are: PORTAGE_LOGDIR inside the container, a directory on the host. */
export interface PortageLogDir {
  inContainer: string;
  onHost: string;
}

// bin/isolated-functions.sh, die: " * ERROR: cat/pf::repo failed (compile phase):", then the message
// indented (" *   message"), and " * The complete build log is located at '/var/log/portage/….log'."
const DIE = /^ \* ERROR: (\S+?)(?:::(\S+))? failed(?: \((\w+) phase\))?:$/;
const DIE_MESSAGE = /^ \* {3}(\S.*)$/;
const BUILD_LOG = /^ \* The complete build log is located at '(.+)'\.$/;
// lib/_emerge/Scheduler.py, _failed_pkg_msg: ">>> Failed to emerge cat/pkg-1.0, Log file:" then ">>>  'PATH'"
// (all there is of the log's path when die's lines are missing, e.g. with --quiet-fail).
const FAILED_TO_EMERGE = /^>>> Failed to emerge \S+, Log file:$/;
const FAILED_LOG = /^>>>\s+'(.+)'$/;
// The phases EBUILD_PHASE names (bin/ebuild.sh, __ebuild_main) and the functions they run.
const SRC_PHASES = new Set(["unpack", "prepare", "configure", "compile", "test", "install"]);

export function classifyBuild(lines: readonly string[], logDir: PortageLogDir | null): Failure | null {
  const start = findLine(lines, DIE);
  if (start < 0) return null;
  const [, cpv = "", , phaseName] = DIE.exec(lines[start] ?? "") ?? [];
  const phase = phaseName ? `${SRC_PHASES.has(phaseName) ? "src" : "pkg"}_${phaseName}` : undefined;
  const message = DIE_MESSAGE.exec(lines[start + 1] ?? "")?.[1];
  const printed = buildLogPath(lines, start);
  const buildLog = printed === undefined ? undefined : hostPath(printed, logDir);
  // The compiler's or the build system's last words come right before die's banner.
  const before = lastLines(lines.slice(Math.max(0, start - 40), start).filter((line) => !line.startsWith(">>> ")), 10);
  return {
    class: "build",
    summary: `${cpv} failed in ${phase ?? "its build"}${message ? `: ${message}` : ""}`,
    fix: [buildLog ? `read the build log ${buildLog}; fix the build (a patch in etc_portage/patches, other USE flags) or mask: this version` : `read the task's log; fix the build (a patch in etc_portage/patches, other USE flags) or mask: this version`],
    details: [...before, lines[start]?.trim() ?? "", ...(message ? [message] : [])],
    packages: [cpv],
    ...(buildLog ? { buildLog } : {}),
    ...(phase ? { phase } : {}),
  };
}

function buildLogPath(lines: readonly string[], from: number): string | undefined {
  const logLine = findLine(lines, BUILD_LOG, from);
  if (logLine >= 0) return BUILD_LOG.exec(lines[logLine] ?? "")?.[1];
  const failed = findLine(lines, FAILED_TO_EMERGE);
  const next = lines.slice(failed + 1).find((line) => line.trim() !== "");
  return failed >= 0 ? FAILED_LOG.exec(next ?? "")?.[1] : undefined;
}

/** A log path the container printed, on the host; a path outside PORTAGE_LOGDIR stays as printed. */
function hostPath(inContainer: string, logDir: PortageLogDir | null): string {
  if (!logDir) return inContainer;
  const relative = path.posix.relative(logDir.inContainer, inContainer);
  if (relative === "" || relative.startsWith("..") || path.posix.isAbsolute(relative)) return inContainer;
  return path.join(logDir.onHost, ...relative.split("/"));
}

// lib/portage/package/ebuild/fetch.py: ">>> Downloading 'URL'" for each try and
// "!!! Couldn't download 'FILE'. Aborting."; lib/_emerge/EbuildFetcher.py, _proc_join_done:
// " * Fetch failed for 'cat/pkg-1.0', Log file:".
const DOWNLOADING = /^>>> Downloading '(.+)'$/;
const COULD_NOT_DOWNLOAD = /^!!! Couldn't download '(.+)'\. Aborting\.$/;
const FETCH_FAILED = /^(?: \* )?(?:!!! )?Fetch failed for '?([^',\s]+)'?/;

export function classifyFetch(lines: readonly string[]): Failure | null {
  const files = capturesOf(lines, COULD_NOT_DOWNLOAD);
  const packages = capturesOf(lines, FETCH_FAILED);
  if (files.length === 0 && packages.length === 0) return null;
  const urls = capturesOf(lines, DOWNLOADING);
  const what = files.length > 0 ? files.join(", ") : "its sources";
  return {
    class: "fetch",
    summary: `could not download ${what}${packages.length > 0 ? ` for ${packages.join(", ")}` : ""}`,
    fix: ["a download can fail while a mirror is down, so this class is retried (retries); if it keeps failing, check the URLs below or put the file into DISTDIR"],
    details: [...files.map((file) => `file: ${file}`), ...urls.map((url) => `tried: ${url}`)],
    packages,
  };
}

// ENOSPC as strerror (glibc) and Python's OSError print it, and as Node and errno name it.
const NO_SPACE = /No space left on device|\bENOSPC\b/;

export function classifyDiskFull(lines: readonly string[]): Failure | null {
  const at = findLastLine(lines, NO_SPACE);
  if (at < 0) return null;
  const evidence = lines.filter((line) => NO_SPACE.test(line));
  return {
    class: "disk-full",
    summary: `no space left on device: ${lines[at]?.trim()}`,
    fix: ["free space on the filesystem of the stage and the task's work directory (btrfs filesystem usage), e.g. fewer generations (keep) or binpkgbot's prune"],
    details: lastLines(evidence, 5),
    packages: [],
  };
}

// An OOM kill: gcc says "virtual memory exhausted" or "out of memory allocating N bytes" when malloc
// fails, and "fatal error: Killed signal terminated program cc1plus" when the kernel killed its child.
const OUT_OF_MEMORY = /virtual memory exhausted|out of memory allocating|Killed signal terminated program|Cannot allocate memory/;

export function classifyOutOfMemory(lines: readonly string[], exitCode: number | null, signal: string | null): Failure | null {
  const evidence = lines.filter((line) => OUT_OF_MEMORY.test(line) || /^\s*Killed\s*$/.test(line) || /: Killed$/.test(line));
  // 137 = 128 + SIGKILL: the shell's status for a child the OOM killer ended.
  const killed = signal === "SIGKILL" || exitCode === 137;
  if (!evidence.some((line) => OUT_OF_MEMORY.test(line)) && !(killed && evidence.length > 0)) return null;
  return {
    class: "out-of-memory",
    summary: `out of memory: ${evidence.at(-1)?.trim() ?? (signal ? `killed by ${signal}` : `exit code ${exitCode}`)}`,
    fix: ["lower the parallel jobs (MAKEOPTS=-jN and emerge --jobs in etc_portage's make.conf) or give the host more memory or swap"],
    details: lastLines(evidence, 5),
    packages: [],
  };
}

/**
 * The kernel's own count, not a message: the OOM killer ended `oomKills` processes of the container's
 * memory cgroup (memory_max), whatever the build printed as it died. `build` names the package and phase
 * where Portage's failure message did.
 */
export function classifyMemoryMax(oomKills: number, lines: readonly string[], build: Failure | null): Failure {
  const processes = oomKills === 1 ? "a process" : `${oomKills} processes`;
  const where = build?.packages[0] ? ` while building ${build.packages[0]}${build.phase ? ` (${build.phase})` : ""}` : "";
  return {
    class: "out-of-memory",
    summary: `out of memory${where}: the OOM killer ended ${processes} of the container at its memory_max`,
    fix: ["raise memory_max, or lower the parallel jobs (MAKEOPTS=-jN and emerge --jobs in etc_portage's make.conf)"],
    details: lastLines(lines, 5),
    packages: build?.packages ?? [],
    ...(build?.buildLog ? { buildLog: build.buildLog } : {}),
    ...(build?.phase ? { phase: build.phase } : {}),
  };
}
