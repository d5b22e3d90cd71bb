// What `emerge --pretend` with --usepkg or --usepkgonly prints, read back into data: which packages
// come from binpkgs, which would be built, and why Portage passed over a binpkg or a package.
// The shapes follow Portage's own source:
//   lib/_emerge/resolver/output.py        Display._set_no_columns, print_messages: merge-list lines
//   lib/_emerge/resolver/output_helpers.py PkgAttrDisplay.__str__, _create_use_string: the flags
//   lib/_emerge/depgraph.py               _show_ignored_binaries_respect_use, _show_unsatisfied_dep,
//                                         show_masked_packages
import { outputLines } from "../failure/output-text.js";
import { splitCpv } from "./atom-match.js";

export interface MergeListEntry {
  /** `binary`: merged from a binpkg; `ebuild`: built from source. */
  type: "binary" | "ebuild";
  cpv: string;
  cp: string;
  version: string;
  /** The binpkg's BUILD_ID (output.py, _append_build_id), binaries only. */
  buildId?: number;
  repo?: string;
  /** The flags emerge shows (USE and USE_EXPAND groups, expanded to `python_targets_python3_12`): on, then `-off`. */
  use: string[];
  /** The attribute column: N new, R replace, U update, D downgrade, S new slot, and the mask column. */
  attributes: string;
}

export interface IgnoredBinary {
  cpv: string;
  /** The flags that differ, as the binpkg has them (`foo` on, `-bar` off); the config wants each the other way. */
  available: string[];
  wanted: string[];
}

export interface MaskedCandidate {
  cpv: string;
  repo?: string;
  reasons: string[];
}

export interface UnsatisfiedAtom {
  atom: string;
  /** `masked`: every version is masked; `no-binary`: --usepkgonly found no binpkg; `no-ebuild`: nothing at all. */
  kind: "masked" | "no-binary" | "no-ebuild";
  candidates: MaskedCandidate[];
  /** The dependency chain Portage names after the message, innermost first. */
  requiredBy: string[];
}

export interface PretendOutput {
  binaries: MergeListEntry[];
  builds: MergeListEntry[];
  ignored: IgnoredBinary[];
  unsatisfied: UnsatisfiedAtom[];
}

// output.py _set_no_columns: "[TYPE ATTRS] INDENT PKG_STR OLDBEST" then print_messages adds " VERBOSEADD".
const MERGE_LINE = /^\[(binary|ebuild)\s([^\]]*)\]\s+(\S+)(.*)$/;
// depgraph.py _show_ignored_binaries_respect_use: "    =CPV FLAG -FLAG", one per ignored binpkg.
const IGNORED_HEADER = /^!!! The following binary packages have been ignored due to non matching USE:$/;
const IGNORED_LINE = /^ {4}=(\S+)((?: \S+)*?)(?: # for \S+)?$/;
// depgraph.py _show_unsatisfied_dep; xinfo is the atom in double quotes.
const UNSATISFIED: [RegExp, UnsatisfiedAtom["kind"]][] = [
  [/^!!! All ebuilds that could satisfy "(.+)" have been masked\.$/, "masked"],
  [/^emerge: there are no binary packages to satisfy "(.+)"\.$/, "no-binary"],
  [/^emerge: there are no ebuilds to satisfy "(.+)"\.$/, "no-ebuild"],
];
// depgraph.py show_masked_packages: "- CPV::REPO (masked by: REASON, REASON)".
const MASKED_LINE = /^- (\S+?)(?:::(\S+))? \(masked by: (.+)\)$/;
const REQUIRED_BY = /^\(dependency required by "(.+)" \[(\w+)\]\)$/;

/** Reads the whole output (stdout and stderr, in any order); lines it does not know are skipped. */
export function parsePretendOutput(text: string): PretendOutput {
  const lines = outputLines(text);
  const result: PretendOutput = { binaries: [], builds: [], ignored: [], unsatisfied: [] };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const entry = parseMergeLine(line);
    if (entry) (entry.type === "binary" ? result.binaries : result.builds).push(entry);
    else if (IGNORED_HEADER.test(line)) index = readIgnored(lines, index + 1, result.ignored);
    else {
      const unsatisfied = readUnsatisfied(lines, index);
      if (unsatisfied) result.unsatisfied.push(unsatisfied);
    }
  }
  return result;
}

export function parseMergeLine(line: string): MergeListEntry | undefined {
  const match = MERGE_LINE.exec(line);
  if (!match) return undefined;
  const type = match[1] as MergeListEntry["type"];
  const id = splitPackageString(match[3] ?? "", type === "binary");
  if (!id) return undefined;
  return { type, ...id, use: parseUseGroups(match[4] ?? ""), attributes: match[2] ?? "" };
}

/** output.py: cpv, "-BUILD_ID" for binaries, then with --verbose ":SLOT[/SUB]" and "::REPO". */
function splitPackageString(text: string, binary: boolean): Pick<MergeListEntry, "cpv" | "cp" | "version" | "buildId" | "repo"> | undefined {
  const [withSlot = "", repo] = text.split("::");
  let cpv = withSlot.replace(/:[^/:]+(\/[^:]+)?$/, "");
  let buildId: number | undefined;
  const id = /-(\d+)$/.exec(cpv);
  if (binary && id && splitCpv(cpv.slice(0, id.index))) {
    buildId = Number(id[1]);
    cpv = cpv.slice(0, id.index);
  }
  const split = splitCpv(cpv);
  if (!split) return undefined;
  return { cpv, ...split, ...(buildId === undefined ? {} : { buildId }), ...(repo ? { repo } : {}) };
}

/**
 * `USE="a -b* (c) -d%" PYTHON_TARGETS="python3_12"` → flags on then off, USE_EXPAND names as prefixes.
 * _create_use_string marks changes with `*` and `%`, forced flags with parentheses, and flags no longer in
 * IUSE as `(-flag%)`: those are not the package's flags any more and are dropped.
 */
export function parseUseGroups(text: string): string[] {
  const on: string[] = [];
  const off: string[] = [];
  for (const group of text.matchAll(/\b([A-Z][A-Z0-9_]*)="([^"]*)"/g)) {
    const prefix = group[1] === "USE" ? "" : `${(group[1] ?? "").toLowerCase()}_`;
    for (const token of (group[2] ?? "").split(/\s+/).filter(Boolean)) {
      if (/^\(-[^)]*%\*?\)$/.test(token)) continue;
      const bare = token.replace(/^\((.*)\)$/, "$1").replace(/[*%]+$/, "");
      if (bare.startsWith("-")) off.push(`-${prefix}${bare.slice(1)}`);
      else on.push(`${prefix}${bare}`);
    }
  }
  return [...on, ...off];
}

function readIgnored(lines: readonly string[], from: number, out: IgnoredBinary[]): number {
  let index = from;
  while (index < lines.length && (lines[index] ?? "") === "") index++;
  for (; index < lines.length; index++) {
    const match = IGNORED_LINE.exec(lines[index] ?? "");
    if (!match) break;
    const available = (match[2] ?? "").trim().split(" ").filter(Boolean);
    const wanted = available.map((flag) => (flag.startsWith("-") ? flag.slice(1) : `-${flag}`));
    out.push({ cpv: match[1] ?? "", available, wanted });
  }
  return index - 1;
}

function readUnsatisfied(lines: readonly string[], index: number): UnsatisfiedAtom | undefined {
  const line = lines[index] ?? "";
  for (const [pattern, kind] of UNSATISFIED) {
    const match = pattern.exec(line);
    if (!match) continue;
    const found: UnsatisfiedAtom = { atom: match[1] ?? "", kind, candidates: [], requiredBy: [] };
    for (const next of lines.slice(index + 1)) {
      if (UNSATISFIED.some(([other]) => other.test(next)) || MERGE_LINE.test(next)) break;
      const masked = MASKED_LINE.exec(next);
      if (masked) found.candidates.push({ cpv: masked[1] ?? "", ...(masked[2] ? { repo: masked[2] } : {}), reasons: (masked[3] ?? "").split(", ") });
      const by = REQUIRED_BY.exec(next);
      if (by) found.requiredBy.push(by[1] ?? "");
      if (by === null && found.requiredBy.length > 0) break;
    }
    return found;
  }
  return undefined;
}
