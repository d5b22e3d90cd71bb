// The text of the package.* files binpkgbot adds to a container's copy of
// /etc/portage for one task. Formats: man/portage.5 (package.use,
// package.accept_keywords, package.mask, package.unmask).
import { parseAtom } from "./atom.js";
import { parseKeywordTokens, parseUseTokens, type TokensResult } from "./use-flag.js";

/**
 * Name of the file binpkgbot writes inside package.use/, package.accept_keywords/,
 * package.mask/ and package.unmask/. When such a path is a directory Portage
 * reads every file in it, recursively, in lexical order, skipping names that
 * start with '.' or end in '~' (`_recursive_file_list` and
 * `_recursive_basename_filter` in lib/portage/util/__init__.py; man/portage.5,
 * /etc/portage/). "zz-" sorts after the names people give these files, so
 * binpkgbot's lines come last: for package.use, where lines for the same atom
 * accumulate in order, the task's flags win over the stage's own.
 */
export const portageFileName = "zz-binpkgbot";

export type UseLine = { atom: string; tokens: string[] };
export type KeywordLine = { atom: string; keywords: string[] };

/** An atom, flag, keyword or header that would not be read back as written. */
export class PackageFileError extends Error {
  override readonly name = "PackageFileError";
  constructor(
    message: string,
    readonly value: string,
    readonly offset: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** package.use: `ATOM flag -flag VIDEO_CARDS: radeon`, one atom per line. */
export function renderPackageUse(header: string, lines: readonly UseLine[]): string {
  return renderFile(
    header,
    lines.map((line) => {
      checkAtom(line.atom);
      if (line.tokens.length === 0) {
        throw new PackageFileError(`no USE flags given for '${line.atom}' in package.use`, line.atom, 0);
      }
      return [line.atom, ...checkTokens(line.tokens, parseUseTokens)].join(" ");
    }),
  );
}

/** package.accept_keywords: `ATOM [keyword…]`; no keyword means ~ARCH (KeywordsManager.py). */
export function renderAcceptKeywords(header: string, lines: readonly KeywordLine[]): string {
  return renderFile(
    header,
    lines.map((line) => {
      checkAtom(line.atom);
      return [line.atom, ...checkTokens(line.keywords, parseKeywordTokens)].join(" ");
    }),
  );
}

/** package.mask / package.unmask: one atom per line. */
export function renderAtomList(header: string, atoms: readonly string[]): string {
  return renderFile(
    header,
    atoms.map((atom) => {
      checkAtom(atom);
      return atom;
    }),
  );
}

function renderFile(header: string, lines: readonly string[]): string {
  // A line break in the header would turn the rest of it into Portage input.
  const lineBreak = header.search(/[\r\n]/);
  if (lineBreak !== -1) {
    throw new PackageFileError("a package file header must be a single line", header, lineBreak);
  }
  return [`# ${header}`, ...lines].join("\n") + "\n";
}

// User configuration accepts wildcards and repositories but not sets
// (grabdict_package / grabfile_package callers in UseManager.py,
// KeywordsManager.py and MaskManager.py pass allow_wildcard=True, allow_repo=True).
function checkAtom(atom: string): void {
  const result = parseAtom(atom, { allowWildcard: true });
  if (!result.ok) throw new PackageFileError(`invalid atom '${atom}': ${result.message}`, atom, result.offset);
}

function checkTokens(tokens: readonly string[], parse: (text: string) => TokensResult): string[] {
  for (const token of tokens) {
    const blank = token === "" ? 0 : token.search(/\s/);
    if (blank !== -1) throw new PackageFileError(`'${token}' must be exactly one token`, token, blank);
  }
  const text = tokens.join(" ");
  const result = parse(text);
  if (!result.ok) throw new PackageFileError(result.message, text, result.offset);
  return result.tokens;
}
