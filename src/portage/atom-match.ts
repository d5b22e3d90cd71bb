// Whether a package atom matches one package version: `match_from_list` in lib/portage/dep/__init__.py
// (operators, the `=…*` glob on version-part boundaries, slots through `_match_slot`, repositories).
import type { PackageAtom } from "./atom.js";
import { compareVersions } from "./version-compare.js";
import { versionSplitIndex } from "./version.js";

/** One version of a package: from the repository or from a Packages index entry. */
export type PackageVersion = { cpv: string; slot?: string; subSlot?: string; repo?: string; buildId?: number };

/** `cat/pn` and the version (revision included) of `cat/pn-ver[-rN]`; undefined when it has none. */
export function splitCpv(cpv: string): { cp: string; version: string } | undefined {
  const slash = cpv.indexOf("/");
  if (slash <= 0) return undefined;
  const split = versionSplitIndex(cpv.slice(slash + 1));
  if (split === undefined) return undefined;
  return { cp: cpv.slice(0, slash + 1 + split), version: cpv.slice(slash + 2 + split) };
}

export function atomCp(atom: PackageAtom): string {
  return `${atom.category}/${atom.package}`;
}

/** Wildcard atoms (sys-apps/*) are never matched here: callers skip them. */
export function atomMatches(atom: PackageAtom, pkg: PackageVersion): boolean {
  if (atom.wildcard) return false;
  const split = splitCpv(pkg.cpv);
  if (split === undefined || split.cp !== atomCp(atom)) return false;
  if (!versionMatches(atom, split.version)) return false;
  if (atom.buildId !== undefined && pkg.buildId !== undefined && atom.buildId !== pkg.buildId) return false;
  if (atom.slot !== undefined && pkg.slot !== undefined) {
    if (atom.slot !== pkg.slot) return false;
    if (atom.subSlot !== undefined && atom.subSlot !== (pkg.subSlot ?? pkg.slot)) return false;
  }
  return atom.repo === undefined || pkg.repo === undefined || atom.repo === pkg.repo;
}

function versionMatches(atom: PackageAtom, version: string): boolean {
  if (atom.operator === undefined || atom.version === undefined) return true;
  if (atom.globVersion) return globMatches(atom.version, version);
  const order = atom.operator === "~"
    ? compareVersions(withoutRevision(version), withoutRevision(atom.version))
    : compareVersions(version, atom.version);
  if (order === undefined) return false;
  switch (atom.operator) {
    case "=":
    case "~":
      return order === 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
  }
}

function withoutRevision(version: string): string {
  return version.replace(/-r\d+$/, "");
}

// `=…*` is a literal prefix of the version with leading zeros stripped, ending on a boundary
// between version parts, so that 1* does not match 10 (bug 560466).
function globMatches(prefix: string, version: string): boolean {
  const want = withoutLeadingZeros(prefix);
  const have = withoutLeadingZeros(version);
  if (!have.startsWith(want)) return false;
  const next = have.charAt(want.length);
  const isDigit = (ch: string): boolean => ch >= "0" && ch <= "9";
  return next === "" || "._-".includes(next) || isDigit(want.charAt(want.length - 1)) !== isDigit(next);
}

function withoutLeadingZeros(version: string): string {
  const stripped = version.replace(/^0+/, "");
  return stripped === "" || !/^[0-9]/.test(stripped) ? `0${stripped}` : stripped;
}
