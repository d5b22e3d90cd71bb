// Variant modifiers (use, accept_keywords, unmask, mask) → package.* lines, checked against Portage's grammar.
import { isAtomLike, parseAtom } from "../portage/atom.js";
import { parseFailure, type ParseFailure } from "../portage/parse-result.js";
import { parseKeywordTokens, parseUseTokens } from "../portage/use-flag.js";
import type { ConfigIssue, PathSegment } from "./issues.js";
import type { KeywordLine, Modifiers, UseLine } from "./config.js";

export interface RawModifiers {
  use?: string | string[];
  accept_keywords?: true | string | (true | string)[];
  unmask?: true | string | (true | string)[];
  mask?: true | string | (true | string)[];
}

interface Token {
  text: string;
  offset: number;
}

export function splitTokens(text: string): Token[] {
  return [...text.matchAll(/\S+/g)].map((match) => ({ text: match[0], offset: match.index ?? 0 }));
}

interface Scope {
  file: string;
  issues: ConfigIssue[];
  /** The task's own atom, or null where it is a set (flags alone cannot apply to @world). */
  taskAtom: string;
  taskAtomIsSet: boolean;
}

function entries<T>(value: T | T[] | undefined): { value: T; index: number | undefined }[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.map((item, index) => ({ value: item, index })) : [{ value, index: undefined }];
}

function at(path: readonly PathSegment[], index: number | undefined): PathSegment[] {
  return index === undefined ? [...path] : [...path, index];
}

/** No atom Portage can match comes near this; longer ones would only overflow file names and argv later. */
export const MAX_ATOM_LENGTH = 1024;

export function tooLong(atom: string): ParseFailure | undefined {
  return atom.length > MAX_ATOM_LENGTH
    ? parseFailure(`it is ${atom.length} characters long, more than any atom can be (${MAX_ATOM_LENGTH}); category and package names are file names`, MAX_ATOM_LENGTH)
    : undefined;
}

/** An atom as quoted in a message: one that is too long shows its start only. */
export function shortened(atom: string): string {
  return atom.length > 80 ? `${atom.slice(0, 60)}…` : atom;
}

function checkAtom(scope: Scope, token: Token, path: PathSegment[]): string | undefined {
  const parsed = tooLong(token.text) ?? parseAtom(token.text, { allowWildcard: true, allowSet: false });
  if (parsed.ok) return token.text;
  scope.issues.push({ file: scope.file, path, offset: token.offset + parsed.offset, message: `bad atom '${shortened(token.text)}': ${parsed.message}` });
  return undefined;
}

function ownAtom(scope: Scope, path: PathSegment[], what: string): string | undefined {
  if (!scope.taskAtomIsSet) return scope.taskAtom;
  scope.issues.push({
    file: scope.file, path,
    message: `${what} without an atom apply to the task's atom, but ${scope.taskAtom} is a set`,
    hint: "start the entry with an atom, e.g. '*/* flag' or 'cat/pkg flag'",
  });
  return undefined;
}

function normalizeUse(scope: Scope, raw: RawModifiers["use"], path: PathSegment[]): UseLine[] {
  const lines: UseLine[] = [];
  for (const { value, index } of entries(raw)) {
    const where = at(path, index);
    const tokens = splitTokens(value);
    const [first] = tokens;
    if (!first) {
      scope.issues.push({ file: scope.file, path: where, message: "empty USE entry", hint: "remove it or write flags like 'x265 -doc'" });
      continue;
    }
    const hasAtom = isAtomLike(first.text);
    const atom = hasAtom ? checkAtom(scope, first, where) : ownAtom(scope, where, "flags");
    const flagTokens = hasAtom ? tokens.slice(1) : tokens;
    if (flagTokens.length === 0) {
      scope.issues.push({ file: scope.file, path: where, message: `no USE flags after '${first.text}'`, hint: "write flags after the atom, e.g. 'media-libs/x265 numa'" });
      continue;
    }
    const start = flagTokens[0]?.offset ?? 0;
    const flags = parseUseTokens(value.slice(start));
    if (!flags.ok) {
      scope.issues.push({ file: scope.file, path: where, offset: start + flags.offset, message: flags.message });
      continue;
    }
    if (atom) lines.push({ atom, tokens: flags.tokens });
  }
  return lines;
}

function normalizeKeywords(scope: Scope, raw: RawModifiers["accept_keywords"], path: PathSegment[]): KeywordLine[] {
  const lines: KeywordLine[] = [];
  for (const { value, index } of entries(raw)) {
    const where = at(path, index);
    if (value === true) {
      const atom = ownAtom(scope, where, "keywords");
      if (atom) lines.push({ atom, keywords: ["~*"] });
      continue;
    }
    const tokens = splitTokens(value);
    const [first] = tokens;
    if (!first) {
      scope.issues.push({ file: scope.file, path: where, message: "empty keywords entry", hint: "write 'true', '~amd64' or 'cat/pkg ~amd64'" });
      continue;
    }
    const hasAtom = isAtomLike(first.text);
    const atom = hasAtom ? checkAtom(scope, first, where) : ownAtom(scope, where, "keywords");
    const keywordTokens = hasAtom ? tokens.slice(1) : tokens;
    // man portage.5, package.accept_keywords: an atom without keywords means ~ARCH; the original tool used ~*.
    let keywords = ["~*"];
    if (keywordTokens.length > 0) {
      const start = keywordTokens[0]?.offset ?? 0;
      const parsed = parseKeywordTokens(value.slice(start));
      if (!parsed.ok) {
        scope.issues.push({ file: scope.file, path: where, offset: start + parsed.offset, message: parsed.message });
        continue;
      }
      keywords = parsed.tokens;
    }
    if (atom) lines.push({ atom, keywords });
  }
  return lines;
}

function normalizeAtoms(scope: Scope, raw: RawModifiers["unmask"], path: PathSegment[], what: string): string[] {
  const atoms: string[] = [];
  for (const { value, index } of entries(raw)) {
    const where = at(path, index);
    if (value === true) {
      const atom = ownAtom(scope, where, `'${what}: true'`);
      if (atom) atoms.push(atom);
      continue;
    }
    const tokens = splitTokens(value);
    if (tokens.length !== 1 || !tokens[0]) {
      scope.issues.push({ file: scope.file, path: where, message: `expected one atom, got ${tokens.length === 0 ? "nothing" : `${tokens.length} words`}`, hint: "write one atom per list entry" });
      continue;
    }
    const atom = checkAtom(scope, tokens[0], where);
    if (atom) atoms.push(atom);
  }
  return atoms;
}

export function normalizeModifiers(
  raw: RawModifiers,
  task: { atom: string; isSet: boolean; file: string; path: readonly PathSegment[] },
  issues: ConfigIssue[],
): Modifiers {
  const scope: Scope = { file: task.file, issues, taskAtom: task.atom, taskAtomIsSet: task.isSet };
  return {
    use: normalizeUse(scope, raw.use, [...task.path, "use"]),
    acceptKeywords: normalizeKeywords(scope, raw.accept_keywords, [...task.path, "accept_keywords"]),
    unmask: normalizeAtoms(scope, raw.unmask, [...task.path, "unmask"], "unmask"),
    mask: normalizeAtoms(scope, raw.mask, [...task.path, "mask"], "mask"),
  };
}
