// The `servers:` section: the machines that install from this stage's binpkgs, and where binpkgbot
// finds each one's /etc/portage and world. Pure: the raw entries in, Server objects and issues out.
import path from "node:path";
import { parseAtom } from "../portage/atom.js";
// Server names become directory names under state_dir and the NAME of the report endpoint's URL.
import { SERVER_NAME } from "../report/reporting-servers.js";
import type { Server } from "./config.js";
import type { ConfigIssue, PathSegment } from "./issues.js";
import { shortened, tooLong } from "./modifiers.js";
import { list, literalTrue, object, optional, required, string, type Infer } from "./schema-kit.js";

export const serverSchema = object(
  {
    name: required(string("server name"), "the server's name in coverage reports and report URLs (letters, digits, '.', '_', '-')"),
    etc_portage: optional(string("path"), "a current copy of the server's /etc/portage (with make.profile), relative to this file"),
    world: optional(string("path"), "a current copy of the server's /var/lib/portage/world, relative to this file"),
    report: optional(literalTrue("true: the server sends its state itself"), "true: the server sends its /etc/portage and world with `binpkgbot report`"),
    token_file: optional(string("path"), "with report: a file holding the token the server must present, relative to this file"),
    sets: optional(list(string("path"), "set files"), "more set files (as in /etc/portage/sets) that the server's @world holds, relative to this file"),
    ignore: optional(list(string("atom"), "atoms"), "atoms the admin accepts being compiled on this server: coverage does not count them"),
  },
  "a server that installs binpkgs built here",
);

export const serverListSchema = list(serverSchema, "servers");

type RawServer = NonNullable<Infer<typeof serverSchema>>;
type Report = (issue: Omit<ConfigIssue, "file">) => void;


/** Raw entries → Servers with absolute paths; every problem is reported, a bad entry is left out. */
export function normalizeServers(raw: readonly RawServer[], configDir: string, report: Report): Server[] {
  const servers: Server[] = [];
  const seen = new Map<string, number>();
  raw.forEach((entry, index) => {
    const key: PathSegment[] = ["servers", index];
    const server = normalizeServer(entry, configDir, key, report);
    const first = seen.get(entry.name);
    if (first !== undefined) {
      report({ path: [...key, "name"], message: `server '${entry.name}' is already declared at servers[${first}]`, hint: "give each server its own name, or remove the duplicate" });
      return;
    }
    seen.set(entry.name, index);
    if (server) servers.push(server);
  });
  return servers;
}

function normalizeServer(raw: RawServer, configDir: string, key: PathSegment[], report: Report): Server | undefined {
  let ok = true;
  const fail = (issue: Omit<ConfigIssue, "file">): void => {
    ok = false;
    report(issue);
  };
  if (!SERVER_NAME.test(raw.name)) {
    fail({ path: [...key, "name"], message: `server name '${shortened(raw.name)}' may hold only letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit)`, hint: "rename the server" });
  }
  const resolve = (field: PathSegment[], value: string): string => {
    if (value.trim() === "") fail({ path: [...key, ...field], message: "an empty path means the config's own directory", hint: "write the path" });
    else if (path.resolve(configDir, value) === "/") fail({ path: [...key, ...field], message: `'${value}' is the host's root, not a copy of the server's files`, hint: "give the copy's own path" });
    return path.resolve(configDir, value);
  };
  const source = normalizeSource(raw, key, resolve, fail);
  const sets = (raw.sets ?? []).map((file, index) => resolve(["sets", index], file));
  checkSetNames(sets, key, fail);
  const ignore = raw.ignore ?? [];
  ignore.forEach((atom, index) => checkIgnoreAtom(atom, [...key, "ignore", index], fail));
  return ok && source ? { name: raw.name, sets, ignore, ...source } : undefined;
}

function normalizeSource(
  raw: RawServer, key: PathSegment[], resolve: (field: PathSegment[], value: string) => string, fail: Report,
): { report: false; etcPortage: string; world: string } | { report: true; tokenFile: string } | undefined {
  const files = raw.etc_portage !== undefined || raw.world !== undefined;
  if (files && raw.report) {
    fail({ path: [...key, "report"], message: "a server has either etc_portage and world (copies kept by the admin) or report: true (it sends them), not both", hint: "remove report, or etc_portage and world" });
    return undefined;
  }
  if (raw.report) {
    if (raw.token_file === undefined) {
      fail({ path: key, message: "a server with report: true needs 'token_file'", hint: "add token_file: a file holding the token the server presents" });
      return undefined;
    }
    return { report: true, tokenFile: resolve(["token_file"], raw.token_file) };
  }
  if (raw.token_file !== undefined) {
    fail({ path: [...key, "token_file"], message: "token_file is only for a server with report: true", hint: "add report: true, or remove token_file" });
  }
  if (raw.etc_portage === undefined || raw.world === undefined) {
    const missing = raw.etc_portage === undefined ? "etc_portage" : "world";
    fail({ path: key, message: files ? `missing required key '${missing}'` : "a server needs etc_portage and world, or report: true", hint: files ? "give the copy of the server's /etc/portage and of its /var/lib/portage/world" : "e.g. {name: web1, etc_portage: servers/web1/portage, world: servers/web1/world}" });
    return undefined;
  }
  return { report: false, etcPortage: resolve(["etc_portage"], raw.etc_portage), world: resolve(["world"], raw.world) };
}

/** Set files are named by their file name (@NAME), as in /etc/portage/sets: two of one name would hide one. */
function checkSetNames(sets: readonly string[], key: PathSegment[], fail: Report): void {
  const names = new Map<string, number>();
  sets.forEach((file, index) => {
    const name = path.basename(file);
    const first = names.get(name);
    if (first !== undefined) fail({ path: [...key, "sets", index], message: `a second set file named '${name}' (the first is sets[${first}]): both would be @${name}`, hint: "rename one of the files" });
    else names.set(name, index);
  });
}

function checkIgnoreAtom(atom: string, key: PathSegment[], fail: Report): void {
  const parsed = tooLong(atom) ?? parseAtom(atom, { allowWildcard: true });
  if (!parsed.ok) fail({ path: key, offset: parsed.offset, message: `bad atom '${shortened(atom)}': ${parsed.message}`, hint: "write a package atom such as app-misc/foo or >=dev-lang/rust-1.80" });
}
