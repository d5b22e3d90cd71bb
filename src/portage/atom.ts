// Portage atoms as accepted in /etc/portage/package.* files and on the emerge
// command line. The grammar follows `_get_atom_re`, `_get_atom_wildcard_re`
// and `Atom.__init__` in lib/portage/dep/__init__.py, with the name rules
// `_cat`, `_pkg`, `_slot` from lib/portage/versions.py. It is written as a
// scanner so that every rejection names the first bad character.
import { parseCpv, type VersionOperator } from "./atom-cpv.js";
import { parseRepo, parseSlot } from "./atom-slot-repo.js";
import { describeCharacter, findBadCharacter, parseFailure, type ParseFailure } from "./parse-result.js";

export type { VersionOperator } from "./atom-cpv.js";

export type PackageAtom = {
  kind: "package";
  text: string;
  operator?: VersionOperator;
  category: string;
  package: string;
  version?: string;
  /** `=cat/pkg-1.2*`: any version starting with 1.2. */
  globVersion?: boolean;
  /** `=cat/pkg-1.0-3`: one binary package instance (user config allows it). */
  buildId?: number;
  slot?: string;
  subSlot?: string;
  slotOperator?: "=" | "*";
  repo?: string;
  // `*` appears in the category or package name: */*, sys-apps/*, dev-*/foo.
  wildcard: boolean;
};

export type SetAtom = { kind: "set"; text: string; name: string };

export type Atom = PackageAtom | SetAtom;

export interface ParseAtomOptions {
  /** Accept `@world`, `@system`… (emerge arguments; never package.* files). */
  allowSet?: boolean;
  /** Accept `*` in category and package names, as /etc/portage/package.* files do. */
  allowWildcard?: boolean;
}

export type ParseAtomResult = { ok: true; atom: Atom } | ParseFailure;

// Every character any atom form can contain; the rest (spaces, quotes, `$`,
// backticks, `;`, `|`, `&`, brackets, non-ASCII…) is rejected before parsing.
// Portage compiles its atom patterns with re.ASCII, so `\w` is [A-Za-z0-9_].
const ATOM_CHARACTER = /^[A-Za-z0-9_+.\-*/:=<>~@]$/;

// Portage has no rule for set names: they are sets.conf sections or file names
// under /etc/portage/sets (lib/portage/_sets/__init__.py, _sets/files.py).
// This is a safe subset that covers every set Portage ships.
const SET_FIRST = /^[A-Za-z0-9_]$/;
const SET_REST = /^[A-Za-z0-9+_.-]$/;

export function parseAtom(text: string, options: ParseAtomOptions = {}): ParseAtomResult {
  if (text.length === 0) {
    return parseFailure("the atom is empty; write category/package, e.g. media-libs/x265", 0);
  }
  const bad = checkCharacters(text);
  if (bad !== undefined) return bad;
  if (text.startsWith("@")) return parseSet(text, options);
  return parsePackageAtom(text, options);
}

/**
 * Whether a token starts like an atom rather than a USE flag or keyword: it
 * names a category (`/`), a set (`@`), or starts with a version operator or a
 * blocker. Tells the line "media-libs/x265 numa" from the bare flag "x265".
 * `~` alone does not count: `~amd64` and `~*` are keywords.
 */
export function isAtomLike(token: string): boolean {
  return token.includes("/") || /^[@<>=!]/.test(token);
}

function checkCharacters(text: string): ParseFailure | undefined {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (ATOM_CHARACTER.test(ch)) continue;
    if (ch === "!" && i === 0) {
      return parseFailure(
        `blockers ('${text}') are not allowed here; to keep a package out, mask it in package.mask instead`,
        0,
      );
    }
    if (ch === "[") return useDependencyFailure(text, i);
    const code = ch.codePointAt(0) ?? 0;
    const what = code > 0x7e ? `the non-ASCII character '${String.fromCodePoint(code)}'` : describeCharacter(ch);
    return parseFailure(`${what} is not allowed in an atom ('${text}')`, i);
  }
  return undefined;
}

// package.use and package.accept_keywords are read with grabdict_package(...,
// allow_use=False) (lib/portage/util/__init__.py), which drops such lines with
// "Atom is not allowed to have USE flag(s)". package.mask would take them, but
// binpkgbot never needs them there, so they are refused everywhere.
function useDependencyFailure(text: string, offset: number): ParseFailure {
  const close = text.indexOf("]", offset);
  const inside = text.slice(offset + 1, close === -1 ? undefined : close).split(",").join(" ");
  return parseFailure(
    `USE dependencies like '${text.slice(offset)}' are not accepted in package.* files ` +
      "(package.use and package.accept_keywords ignore the whole line); " +
      `put the flags after the atom instead: '${text.slice(0, offset)} ${inside}'`,
    offset,
  );
}

function parseSet(text: string, options: ParseAtomOptions): ParseAtomResult {
  if (!options.allowSet) {
    return parseFailure(`package sets like '${text}' are not allowed here; list the packages instead`, 0);
  }
  if (text.length === 1) return parseFailure("the set name is missing after '@', e.g. @world", 1);
  const bad = findBadCharacter(text, 1, text.length, SET_FIRST, SET_REST);
  if (bad !== undefined) {
    return parseFailure(
      `${describeCharacter(text[bad] ?? "")} is not allowed in a set name ` +
        "(letters, digits and '_', then also '+', '.', '-'), e.g. @world or @preserved-rebuild",
      bad,
    );
  }
  return { ok: true, atom: { kind: "set", text, name: text.slice(1) } };
}

function readOperator(text: string): VersionOperator | undefined {
  const two = text.slice(0, 2);
  if (two === ">=" || two === "<=") return two;
  const one = text[0];
  if (one === "=" || one === "~" || one === ">" || one === "<") return one;
  return undefined;
}

function parsePackageAtom(text: string, options: ParseAtomOptions): ParseAtomResult {
  const operator = readOperator(text);
  const start = operator?.length ?? 0;
  for (let i = start; i < text.length; i++) {
    const ch = text[i] ?? "";
    if (ch === "<" || ch === ">" || ch === "~") {
      return parseFailure(
        `'${ch}' may only start an atom, as part of a version operator (>=, >, =, <=, <, ~)`,
        i,
      );
    }
  }
  const repoAt = text.indexOf("::", start);
  const beforeRepo = repoAt === -1 ? text.length : repoAt;
  // The first ':' ends the cpv, whether it starts a slot or the '::' of a repository.
  const slotAt = text.indexOf(":", start);
  const cpvEnd = slotAt === -1 ? text.length : slotAt;

  const cpv = parseCpv(text, start, cpvEnd, operator, options.allowWildcard ?? false);
  if (!cpv.ok) return cpv;
  const slot = cpvEnd < beforeRepo ? parseSlot(text, cpvEnd + 1, beforeRepo) : { ok: true as const, value: {} };
  if (!slot.ok) return slot;
  const repo = repoAt !== -1 ? parseRepo(text, repoAt + 2) : { ok: true as const, value: undefined };
  if (!repo.ok) return repo;

  const atom: PackageAtom = { kind: "package", text, ...cpv.value, ...slot.value, wildcard: cpv.wildcard };
  if (operator !== undefined) atom.operator = operator;
  if (repo.value !== undefined) atom.repo = repo.value;
  return { ok: true, atom };
}
