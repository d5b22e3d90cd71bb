// The `[op]category/package[-version][*]` part of an atom.
// Name rules: `_cat` and `_pkg` in lib/portage/versions.py (PMS 3.1.1, 3.1.2);
// wildcard names: `_extended_cat` and `pkg_re` of `_get_atom_wildcard_re` in
// lib/portage/dep/__init__.py; versions and build IDs: `Atom.__init__` there.
import { describeCharacter, findBadCharacter, parseFailure, type ParseFailure } from "./parse-result.js";
import { isValidVersion, scanVersion, versionSplitIndex } from "./version.js";

export type VersionOperator = ">=" | ">" | "=" | "<=" | "<" | "~";

export type CpvFields = {
  category: string;
  package: string;
  version?: string;
  globVersion?: boolean;
  buildId?: number;
};

export type CpvResult = { ok: true; value: CpvFields; wildcard: boolean } | ParseFailure;

const WORD = /^[A-Za-z0-9_]$/;
const CATEGORY_REST = /^[A-Za-z0-9_+.-]$/;
const PACKAGE_REST = /^[A-Za-z0-9_+-]$/;
const WILD_FIRST = /^[A-Za-z0-9_+*]$/;
const WILD_CATEGORY_REST = /^[A-Za-z0-9_+.*-]$/;
const WILD_PACKAGE_REST = /^[A-Za-z0-9_+*-]$/;

export function parseCpv(
  text: string,
  start: number,
  end: number,
  operator: VersionOperator | undefined,
  allowWildcard: boolean,
): CpvResult {
  const slash = text.indexOf("/", start);
  const whole = text.slice(start, end);
  if (slash === -1 || slash >= end) {
    // No example category here: any one we made up (media-libs/tmux) would be wrong for most names.
    const search = whole ? `; emerge --search '%^${whole}$' shows its category` : ", e.g. app-misc/tmux";
    return parseFailure(`'${whole}' has no category: write it as category/package${search}`, start);
  }
  const second = text.indexOf("/", slash + 1);
  if (second !== -1 && second < end) return parseFailure(`only one '/' is allowed in an atom ('${whole}')`, second);
  if (slash === start) return parseFailure("the category is missing before '/'", start);
  if (slash + 1 === end) return parseFailure("the package name is missing after '/'", end);

  const glob = operator !== undefined && text[end - 1] === "*";
  if (glob && operator !== "=") {
    return parseFailure(
      `a trailing '*' version glob only works with '=', e.g. =${text.slice(start, end)}`,
      end - 1,
    );
  }
  const pvEnd = glob ? end - 1 : end;
  const star = text.indexOf("*", start);
  if (star !== -1 && star < pvEnd) {
    const problem = checkWildcard(text, star, pvEnd, operator, allowWildcard);
    if (problem !== undefined) return problem;
    return parseWildcardCpv(text, start, slash, pvEnd);
  }
  const category = checkName(text, start, slash, "category", WORD, CATEGORY_REST);
  if (category !== undefined) return category;
  const fields =
    operator === undefined
      ? parseUnversioned(text, slash + 1, pvEnd)
      : parseVersioned(text, slash + 1, pvEnd, operator, glob);
  if (!fields.ok) return fields;
  return { ok: true, value: { category: text.slice(start, slash), ...fields.value }, wildcard: false };
}

function checkWildcard(
  text: string,
  star: number,
  end: number,
  operator: VersionOperator | undefined,
  allowWildcard: boolean,
): ParseFailure | undefined {
  if (!allowWildcard) return parseFailure("wildcards ('*') are not allowed here; name one package", star);
  if (operator !== undefined) {
    return parseFailure(`a version operator ('${operator}') cannot be combined with a '*' wildcard in the name`, star);
  }
  const double = text.indexOf("**", star);
  // Atom.__init__ rejects "**" in an extended atom.
  if (double !== -1 && double < end) return parseFailure("'**' is not a wildcard; use a single '*'", double + 1);
  return undefined;
}

function parseWildcardCpv(text: string, start: number, slash: number, end: number): CpvResult {
  const category = checkName(text, start, slash, "category", WILD_FIRST, WILD_CATEGORY_REST);
  if (category !== undefined) return category;
  // Portage would read "*/foo-1" as a name pattern; a version without an
  // operator is always a mistake here, so it is rejected like "cat/foo-1".
  const versioned = versionWithoutOperator(text, slash + 1, end);
  if (versioned !== undefined) return versioned;
  const name = checkName(text, slash + 1, end, "package name", WILD_FIRST, WILD_PACKAGE_REST);
  if (name !== undefined) return name;
  return {
    ok: true,
    value: { category: text.slice(start, slash), package: text.slice(slash + 1, end) },
    wildcard: true,
  };
}

type Fields = { ok: true; value: Omit<CpvFields, "category"> } | ParseFailure;

function parseUnversioned(text: string, start: number, end: number): Fields {
  const versioned = versionWithoutOperator(text, start, end);
  if (versioned !== undefined) return versioned;
  const name = checkName(text, start, end, "package name", WORD, PACKAGE_REST);
  if (name !== undefined) return name;
  return { ok: true, value: { package: text.slice(start, end) } };
}

function versionWithoutOperator(text: string, start: number, end: number): ParseFailure | undefined {
  const split = versionSplitIndex(text.slice(start, end));
  if (split === undefined) return undefined;
  const atom = text.slice(0, end);
  const unversioned = text.slice(0, start + split);
  return parseFailure(
    `'${atom}' ends in a version but has no version operator; ` +
      `write =${atom} for exactly that version, >=${atom} for it or newer, or ${unversioned} for any version`,
    start + split,
  );
}

/** `=cat/pkg-1.0`, `=cat/pkg-1.0-3` (build ID 3), `=cat/pkg-1.0*`. */
function parseVersioned(text: string, start: number, end: number, operator: VersionOperator, glob: boolean): Fields {
  const pv = text.slice(start, end);
  const split = splitVersioned(pv);
  if (split === undefined) return explainMissingVersion(text, start, end, operator);
  const name = checkName(text, start, start + split.nameEnd, "package name", WORD, PACKAGE_REST);
  if (name !== undefined) return name;
  const value: Omit<CpvFields, "category"> = { package: pv.slice(0, split.nameEnd), version: split.version };
  if (glob) value.globVersion = true;
  if (split.buildId === undefined) return { ok: true, value };
  const idAt = start + pv.length - split.buildId.length;
  if (glob) return parseFailure("a version glob ('*') cannot be combined with a build ID", idAt);
  // Atom.__init__: a build ID is an int without leading zeros.
  if (!/^(0|[1-9][0-9]*)$/.test(split.buildId)) {
    return parseFailure(
      `'${split.buildId}' is not a build ID (a whole number without leading zeros); ` +
        "a revision is written -r1, e.g. =cat/pkg-1.0-r1",
      idAt,
    );
  }
  return { ok: true, value: { ...value, buildId: Number(split.buildId) } };
}

type VersionSplit = { nameEnd: number; version: string; buildId?: string };

/**
 * The leftmost `-` after which the rest is `version` or `version-version`:
 * `_cpv` is `_cp-_vr` and `_cp` may itself end in `-_vr`, which Atom.__init__
 * then reads as version plus build ID.
 */
function splitVersioned(pv: string): VersionSplit | undefined {
  for (let i = pv.indexOf("-", 1); i !== -1; i = pv.indexOf("-", i + 1)) {
    const rest = pv.slice(i + 1);
    const length = scanVersion(rest);
    if (length === 0) continue;
    if (length === rest.length) return { nameEnd: i, version: rest };
    if (rest[length] === "-" && isValidVersion(rest.slice(length + 1))) {
      return { nameEnd: i, version: rest.slice(0, length), buildId: rest.slice(length + 1) };
    }
  }
  return undefined;
}

function explainMissingVersion(text: string, start: number, end: number, operator: VersionOperator): ParseFailure {
  const pv = text.slice(start, end);
  const dash = pv.search(/-[0-9]/);
  const nameEnd = dash === -1 ? pv.length : dash;
  const name = checkName(text, start, start + nameEnd, "package name", WORD, PACKAGE_REST);
  if (name !== undefined) return name;
  if (dash === -1) {
    const example = `${operator}${text.slice(operator.length, end).replace(/-+$/, "")}-1.0`;
    return parseFailure(`version operator '${operator}' needs a version, e.g. ${example}`, end);
  }
  const version = pv.slice(dash + 1);
  const bad = start + dash + 1 + scanVersion(version);
  return parseFailure(
    `'${version}' is not a valid version (versions look like 1.2.3, 1.2.3b, 1.2_rc1, 1.2-r3) at ${describeCharacter(text[bad] ?? "")}`,
    bad,
  );
}

function checkName(
  text: string,
  start: number,
  end: number,
  what: "category" | "package name",
  first: RegExp,
  rest: RegExp,
): ParseFailure | undefined {
  const bad = findBadCharacter(text, start, end, first, rest);
  if (bad === undefined) return undefined;
  const ch = describeCharacter(text[bad] ?? "");
  const allowed = what === "category" ? "letters, digits, '_', '+', '.', '-'" : "letters, digits, '_', '+', '-'";
  const message =
    bad === start
      ? `a ${what} must start with a letter, digit or '_', not ${ch}`
      : `${ch} is not allowed in a ${what} (${allowed})`;
  return parseFailure(message, bad);
}
