// USE flag and keyword tokens as written after an atom in package.use and
// package.accept_keywords. Offsets are 0-based indexes into the parsed text.
import { describeCharacter, findBadCharacter, parseFailure, type ParseFailure } from "./parse-result.js";

export type TokensResult = { ok: true; tokens: string[] } | ParseFailure;

// `_get_useflag_re` in lib/portage/dep/__init__.py: ^[A-Za-z0-9][A-Za-z0-9+_@-]*$
const FLAG_FIRST = /^[A-Za-z0-9]$/;
const FLAG_REST = /^[A-Za-z0-9+_@-]$/;
// USE_EXPAND variable names (VIDEO_CARDS, L10N, CPU_FLAGS_X86): upper case
// shell variable names. UseManager.py lower-cases them into the flag prefix.
const USE_EXPAND_PREFIX = /^[A-Z][A-Z0-9_]*:$/;
// PMS 3.1.8: keyword names may contain [A-Za-z0-9_-] and must not begin with a hyphen.
const KEYWORD_FIRST = /^[A-Za-z0-9_]$/;
const KEYWORD_REST = /^[A-Za-z0-9_-]$/;

type Token = { text: string; offset: number };

function splitTokens(text: string): Token[] {
  return [...text.matchAll(/[^ \t]+/g)].map((match) => ({ text: match[0], offset: match.index ?? 0 }));
}

function checkNoLineBreak(text: string): ParseFailure | undefined {
  const at = text.search(/[\r\n]/);
  return at === -1 ? undefined : parseFailure("a line break is not allowed here; write one line per atom", at);
}

/**
 * Flags for one package.use line: `flag`, `-flag`, `-*`, and `USE_EXPAND:`
 * prefixes whose following values become `use_expand_value` flags until the
 * end of the line (`_parse_user_files_to_extatomdict` in
 * lib/portage/package/ebuild/_config/UseManager.py; man/portage.5, package.use).
 */
export function parseUseTokens(text: string): TokensResult {
  const broken = checkNoLineBreak(text);
  if (broken !== undefined) return broken;
  const tokens = splitTokens(text);
  for (const [index, token] of tokens.entries()) {
    const problem = checkUseToken(token, tokens[index + 1]);
    if (problem !== undefined) return problem;
  }
  return { ok: true, tokens: tokens.map((token) => token.text) };
}

function checkUseToken(token: Token, next: Token | undefined): ParseFailure | undefined {
  const { text, offset } = token;
  if (text.endsWith(":")) {
    if (!USE_EXPAND_PREFIX.test(text)) {
      const bad = findBadCharacter(text, 0, text.length - 1, /^[A-Z]$/, /^[A-Z0-9_]$/) ?? 0;
      return parseFailure(
        `'${text}' is not a USE_EXPAND prefix; write the variable name in upper case followed by ':', e.g. VIDEO_CARDS: radeon`,
        offset + bad,
      );
    }
    if (next === undefined || next.text.endsWith(":")) {
      return parseFailure(`USE_EXPAND prefix '${text}' needs values after it, e.g. ${text} -* radeon`, offset);
    }
    return undefined;
  }
  if (text === "-*") return undefined;
  const start = text.startsWith("-") ? 1 : 0;
  if (start === text.length) return parseFailure("a lone '-' is not a USE flag; write -flag to disable one", offset);
  const bad = findBadCharacter(text, start, text.length, FLAG_FIRST, FLAG_REST);
  if (bad === undefined) return undefined;
  const ch = text[bad] ?? "";
  if (bad === 0 && ch === "+") {
    return parseFailure(`'${text}': write a flag without '+' to enable it, e.g. ${text.slice(1)}`, offset);
  }
  const message =
    bad === start
      ? `a USE flag must start with a letter or digit, not ${describeCharacter(ch)} ('${text}')`
      : `${describeCharacter(ch)} is not allowed in a USE flag ('${text}'; letters, digits, '+', '_', '@', '-')`;
  return parseFailure(message, offset + bad);
}

/**
 * Keywords for one package.accept_keywords line: `amd64`, `~amd64`, and the
 * special tokens `*` (stable anywhere), `~*` (testing anywhere), `**` (ignore
 * KEYWORDS) from man/portage.5. A leading `-` removes an accepted keyword and
 * `-*` clears them all (`_getEgroups` in
 * lib/portage/package/ebuild/_config/KeywordsManager.py). Portage itself does
 * not validate these tokens, so a typo silently accepts nothing; hence the check.
 */
export function parseKeywordTokens(text: string): TokensResult {
  const broken = checkNoLineBreak(text);
  if (broken !== undefined) return broken;
  const tokens = splitTokens(text);
  for (const token of tokens) {
    const problem = checkKeywordToken(token);
    if (problem !== undefined) return problem;
  }
  return { ok: true, tokens: tokens.map((token) => token.text) };
}

function checkKeywordToken({ text, offset }: Token): ParseFailure | undefined {
  const start = text.startsWith("-") ? 1 : 0;
  const body = text.slice(start);
  if (body === "*" || body === "~*" || body === "**") return undefined;
  const nameStart = body.startsWith("~") ? start + 1 : start;
  if (nameStart === text.length) {
    return parseFailure(`'${text}' is not a keyword; write e.g. amd64, ~amd64, ~*, * or **`, offset + nameStart);
  }
  const bad = findBadCharacter(text, nameStart, text.length, KEYWORD_FIRST, KEYWORD_REST);
  if (bad === undefined) return undefined;
  return parseFailure(
    `${describeCharacter(text[bad] ?? "")} is not allowed in keyword '${text}' ` +
      "(an architecture such as amd64, optionally with '~' for testing or '-' to remove it; or *, ~*, **)",
    offset + bad,
  );
}
