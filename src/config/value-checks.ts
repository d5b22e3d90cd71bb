// Values that pass the schema but would do harm or fail later: the host's root as a directory, binds over
// what binpkgbot itself puts into containers, emerge options that change what every emerge does,
// characters no command line can carry. Pure: the written values and the resolved paths come in.
import path from "node:path";
import type { ConfigIssue, PathSegment } from "./issues.js";
import type { Infer } from "./schema-kit.js";
import type { configSchema } from "./schema.js";
import { checkEmergeOptionMeaning } from "./emerge-option-checks.js";

type RawConfig = NonNullable<Infer<typeof configSchema>>;
export type Report = (issue: Omit<ConfigIssue, "file">) => void;

/** Linux MAX_ARG_STRLEN (include/uapi/linux/binfmts.h): 32 pages, the most one argv or environment string can hold. */
export const MAX_ARG_BYTES = 32 * 4096;

// What each host directory is used for, so that '/' gets a reason.
const ROOT_REASONS: Record<string, string> = {
  stage: "binpkgbot would run emerge in the host's own root and snapshot it",
  etc_portage: "the whole host would be copied into every container as /etc/portage",
  portage_repo: "the host's root would be bound into every container, writable for the sync",
  pkgdir: "the host's root would be bound writable into every container and served over HTTP by binpkgbot serve",
  distdir: "the host's root would be bound writable into every container",
  state_dir: "logs, work files and the state database would be written into the host's root",
};

// What binpkgbot binds into every container (src/plan/plan-run.ts): a bind on or above one hides it.
const OWN_MOUNTS: Record<string, string> = {
  "/etc/portage": "the copy of etc_portage with each task's package.* files",
  "/run/binpkgbot/script": "the script of run tasks and of the sync",
  "/var/log/portage": "Portage's build logs",
};

export function checkValues(raw: RawConfig, configDir: string, report: Report): void {
  checkHostDirs(raw, configDir, report);
  for (const key of ["portage_repo_location", "pkgdir_location", "distdir_location"] as const) {
    checkContainerTarget(path.posix.normalize(raw[key]), [key], false, report);
  }
  raw.binds.forEach((bind, index) => checkBind(bind, configDir, [`binds`, index], report));
  raw.emerge_options.forEach((option, index) => checkEmergeOption(option, ["emerge_options", index], report));
  if (typeof raw.config_protect_mask === "string") {
    checkArgvText(raw.config_protect_mask, ["config_protect_mask"], MAX_ARG_BYTES - "--setenv=CONFIG_PROTECT_MASK=".length, report);
  }
}

function checkHostDirs(raw: RawConfig, configDir: string, report: Report): void {
  const value = (key: string): string | undefined => (raw as Record<string, unknown>)[key] as string | undefined;
  const dirs = [
    ...Object.entries(ROOT_REASONS).map(([key, reason]) => ({ key: [key], written: value(key), reason })),
    { key: ["signing", "gnupg_home"], written: raw.signing?.gnupg_home, reason: "the whole host would be copied for every build" },
  ];
  for (const { key, written, reason } of dirs) {
    if (written === undefined) continue;
    if (written.trim() === "") {
      report({ path: key, message: `an empty path means the config's own directory, ${configDir}`, hint: "write the directory's path" });
    } else if (path.resolve(configDir, written) === "/") {
      report({ path: key, message: `'${written}' is the host's root: ${reason}`, hint: "give a directory of its own" });
    }
  }
}

/** A container path that is /, or holds one of binpkgbot's own mounts, hides the stage or that mount. */
function checkContainerTarget(target: string, key: PathSegment[], isBind: boolean, report: Report): void {
  if (!target.startsWith("/")) return;
  if (target === "/") {
    report({ path: key, message: "a mount at / hides the stage's whole root in every container", hint: "mount it at a directory below /" });
    return;
  }
  for (const [mount, what] of Object.entries(OWN_MOUNTS)) {
    if (mount === target || mount.startsWith(`${target}/`)) {
      report({ path: key, message: `a mount at ${target} hides ${what}, which binpkgbot mounts at ${mount}`, hint: mount === "/etc/portage" ? "put the files into etc_portage instead" : "mount it elsewhere" });
      return;
    }
  }
  if (isBind && target.startsWith("/etc/portage/")) {
    report({
      path: key, severity: "warning",
      message: `this bind takes the place of ${target} from etc_portage in every container, and of what binpkgbot writes there for a task`,
      hint: "put the file into etc_portage instead, unless it must come from elsewhere",
    });
  }
}

type RawBind = RawConfig["binds"][number];

function checkBind(bind: RawBind, configDir: string, key: PathSegment[], report: Report): void {
  if (typeof bind === "string") {
    checkContainerTarget(path.posix.normalize(bind), key, true, report);
    return;
  }
  const host = bind.rw ?? bind.ro ?? bind.from;
  const hostKey = bind.rw !== undefined ? "rw" : bind.ro !== undefined ? "ro" : "from";
  if (host === undefined) return;
  const writable = bind.rw !== undefined || (bind.from !== undefined && bind.writable);
  if (writable && path.resolve(configDir, host) === "/") {
    report({ path: [...key, hostKey], message: "the host's root would be writable in every container", hint: "bind only the directory that needs to be writable" });
    return;
  }
  const to = bind.to ?? host;
  checkContainerTarget(path.posix.normalize(to), [...key, bind.to !== undefined ? "to" : hostKey], true, report);
}

function checkEmergeOption(option: string, key: PathSegment[], report: Report): void {
  // load.ts refuses every other form holding a control character; the value after '--name=' is checked here.
  if (/^--[a-z][a-z0-9-]*=/.test(option) && !checkArgvText(option, key, MAX_ARG_BYTES, report)) return;
  checkEmergeOptionMeaning(option, (issue) => report({ ...issue, path: key }));
}

/** Text that becomes one argv or environment string: no control characters, not longer than the kernel takes. */
export function checkArgvText(text: string, key: PathSegment[], maxBytes: number, report: Report): boolean {
  // eslint-disable-next-line no-control-regex
  const bad = text.search(/[\u0000-\u001f\u007f]/);
  if (bad !== -1) {
    const name = text[bad] === "\0" ? "a NUL character" : `the control character ${JSON.stringify(text[bad])}`;
    report({ path: key, offset: bad, message: `holds ${name}, which no command-line argument or environment value can carry`, hint: "remove it" });
    return false;
  }
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > maxBytes) {
    report({ path: key, message: `${bytes} bytes are more than one command-line argument can hold (${maxBytes})`, hint: "shorten it" });
    return false;
  }
  return true;
}
