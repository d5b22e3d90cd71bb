// Package versions as Portage reads them in atoms.
//
// The grammar is `_v` / `_vr` in lib/portage/versions.py:
//   (\d+)((\.\d+)*)([a-z]?)((_(pre|p|beta|alpha|rc)\d*)*)(-r(\d+))?
// It is written here as a scanner rather than a regular expression so that a
// caller can tell the user which character breaks a version, not only that it
// is broken. test/unit/portage/version.test.ts checks it against the regex.

const SUFFIXES = ["pre", "p", "beta", "alpha", "rc"] as const;

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= "0" && ch <= "9";
}

function skipDigits(s: string, i: number): number {
  while (isDigit(s[i])) i++;
  return i;
}

/** Matches the longest `_pre1`, `_p`, `_rc2`… suffix at `i`; `pre` is tried before `p`. */
function skipSuffix(s: string, i: number): number {
  if (s[i] !== "_") return i;
  const name = SUFFIXES.find((suffix) => s.startsWith(suffix, i + 1));
  if (name === undefined) return i;
  return skipDigits(s, i + 1 + name.length);
}

/**
 * Length of the longest prefix of `s` (from `start`) that is a whole version,
 * revision included. 0 when `s` does not start with a digit.
 */
export function scanVersion(s: string, start = 0): number {
  let i = skipDigits(s, start);
  if (i === start) return 0;
  while (s[i] === "." && isDigit(s[i + 1])) i = skipDigits(s, i + 1);
  const letter = s[i];
  if (letter !== undefined && letter >= "a" && letter <= "z") i++;
  for (let next = skipSuffix(s, i); next !== i; next = skipSuffix(s, i)) i = next;
  if (s.startsWith("-r", i) && isDigit(s[i + 2])) i = skipDigits(s, i + 2);
  return i - start;
}

/** Whether `s` is exactly one version, e.g. `1.2.3_rc1-r2` (versions.py `ververify`). */
export function isValidVersion(s: string): boolean {
  return s.length > 0 && scanVersion(s) === s.length;
}

/**
 * Whether a package name ends in a hyphen followed by a valid version, which
 * PMS 2.1.2 forbids ("must not end in a hyphen followed by anything matching
 * the version syntax"); versions.py enforces it through the `(-_vr)?` group of
 * `_cp`, which Atom() rejects when it matched.
 */
export function endsWithVersion(name: string): boolean {
  return versionSplitIndex(name) !== undefined;
}

/**
 * Index of the leftmost `-` in `pv` (not at 0) after which the rest is a valid
 * version. This is where Portage's non-greedy `_pkg` pattern stops.
 */
export function versionSplitIndex(pv: string): number | undefined {
  for (let i = pv.indexOf("-", 1); i !== -1; i = pv.indexOf("-", i + 1)) {
    if (isValidVersion(pv.slice(i + 1))) return i;
  }
  return undefined;
}
