// Portage's messages for dependency graphs it cannot build: REQUIRED_USE, blockers, slot conflicts and
// atoms nothing satisfies.
import type { Failure } from "./failure.js";
import { capturesOf, exactAtom, findLine } from "./output-text.js";

// lib/_emerge/depgraph.py, _show_unsatisfied_dep (show_req_use):
//   !!! The ebuild selected to satisfy "ATOM" has unmet requirements.
//   - cat/pkg-1.0::repo USE="…"
//     The following REQUIRED_USE flag constraints are unsatisfied:
//       any-of ( a b )
const UNMET = /^!!! The ebuild selected to satisfy "(.+)" has unmet requirements\.$/;
const REQUIRED_USE = /^\s*The following REQUIRED_USE flag constraints are unsatisfied:$/;

export function classifyRequiredUse(lines: readonly string[]): Failure | null {
  const header = findLine(lines, REQUIRED_USE);
  if (header < 0) return null;
  const unmet = findLine(lines, UNMET);
  const atom = unmet >= 0 ? UNMET.exec(lines[unmet] ?? "")?.[1] ?? "" : "";
  const selected = unmet >= 0 ? /^- (\S+)(.*)$/.exec(lines[unmet + 1] ?? "") : null;
  const constraint = lines.slice(header + 1).find((line) => line.trim() !== "")?.trim() ?? "";
  const cpv = selected?.[1]?.replace(/::.*$/, "") ?? atom;
  return {
    class: "required-use",
    summary: `${cpv} cannot be built with its USE flags: REQUIRED_USE needs ${constraint}`,
    fix: [`set flags of ${cpv} with the task's use: modifier (e.g. use: ['${selected ? exactAtom(selected[1] ?? "") : atom} FLAG']) so that ${constraint} holds`],
    details: [selected?.[0] ?? "", `unsatisfied REQUIRED_USE: ${constraint}`].filter((line) => line !== ""),
    packages: [atom, cpv].filter((name, index, all) => name !== "" && all.indexOf(name) === index),
  };
}

// lib/_emerge/resolver/output.py, _blockers: `[blocks B      ] cat/b ("cat/b" is soft blocking cat/a-1.0)`
// (a lower-case "b" is a blocker Portage resolves itself). lib/_emerge/depgraph.py,
// _show_unsatisfied_blockers: " * Error: The above package list contains packages which cannot be"
// (wrapped at 70 columns), then "  (cat/a-1.0:0/0::repo, ebuild scheduled for merge) pulled in by".
const BLOCKS = /^\[blocks B[^\]]*\]\s+(\S+)\s+\((?:"[^"]+" )?is (?:soft|hard) blocking (.+)\)$/;
const BLOCKERS_ERROR = /Error: The above package list contains packages which cannot be/;
const PULLED_IN = /^\s+\(([^\s:,()]+)[:,][^)]*\)(?: USE="[^"]*")? pulled in by$/;

export function classifyBlocker(lines: readonly string[]): Failure | null {
  const blocks = lines.map((line) => BLOCKS.exec(line)).filter((match) => match !== null);
  if (blocks.length === 0 && findLine(lines, BLOCKERS_ERROR) < 0) return null;
  const pairs = blocks.map((match) => `${match[2]} blocks ${match[1]}`);
  const packages = [...new Set([...blocks.flatMap((match) => [match[1] ?? "", ...(match[2] ?? "").split(", ")]), ...capturesOf(lines, PULLED_IN)])];
  return {
    class: "blocker",
    summary: pairs.length > 0 ? `packages that cannot be installed together: ${pairs.join("; ")}` : "packages that cannot be installed together",
    fix: ["remove one package of each pair from the stage first (a persisting task running emerge --unmerge), or mask: the version that blocks"],
    details: blocks.map((match) => match[0]),
    packages,
  };
}

// lib/_emerge/resolver/slot_collision.py, _prepare_conflict_msg_and_check_for_specificity:
//   !!! Multiple package instances within a single package slot have been pulled
//   !!! into the dependency graph, resulting in a slot conflict:
//   cat/pkg:0
//     (cat/pkg-1.0:0/0::repo, ebuild scheduled for merge) USE="…" pulled in by
const SLOT_CONFLICT = /^!!! Multiple package instances within a single package slot have been pulled$/;
const SLOT_ATOM = /^([A-Za-z0-9][\w+.-]*\/[\w+.-]+:\S+)(?: for \S+)?$/;
const CONFLICT_PACKAGE = /^\s+\(([^\s:,()]+)[:,]/;

export function classifySlotConflict(lines: readonly string[]): Failure | null {
  const start = findLine(lines, SLOT_CONFLICT);
  if (start < 0) return null;
  const after = lines.slice(start + 2);
  const slots = capturesOf(after, SLOT_ATOM);
  const packages = capturesOf(after, CONFLICT_PACKAGE);
  return {
    class: "slot-conflict",
    summary: `a slot conflict in ${slots.join(", ") || "the dependency graph"}: ${packages.join(", ")} cannot share one slot`,
    fix: ["update the stage first (an upgrade task of @world with --deep), or mask: the version one of the packages pulls in"],
    details: after.filter((line) => SLOT_ATOM.test(line) || /pulled in by$/.test(line) || /required by/.test(line)).map((line) => line.trim()),
    packages: [...slots, ...packages],
  };
}

// lib/_emerge/depgraph.py, _show_unsatisfied_dep: `emerge: there are no ebuilds to satisfy "ATOM".`, or with
// USE dependencies `emerge: there are no ebuilds built with USE flags to satisfy "ATOM".` and the versions
// that would do with other flags (`- cat/pkg-1.0::repo (Change USE: +flag -other)`), then
// `(dependency required by "cat/pkg-1.0::repo" [ebuild])` for each parent.
const NO_EBUILDS = /^emerge: there are no (ebuilds|ebuilds built with USE flags|binary packages) to satisfy "(.+?)"(?: for \S+)?\.$/;
const REQUIRED_BY = /^\(dependency required by "(.+)" \[\w+\]\)$/;
const CHANGE_USE = /^- (\S+?)(?:::\S+)? \(Change USE: ([^,)]+)/;

export function classifyUnsatisfied(lines: readonly string[]): Failure | null {
  const start = findLine(lines, NO_EBUILDS);
  if (start < 0) return null;
  const [, , atom = ""] = NO_EBUILDS.exec(lines[start] ?? "") ?? [];
  const block = lines.slice(start, blockEnd(lines, start));
  const parents = capturesOf(block, REQUIRED_BY);
  const changes = block.map((line) => CHANGE_USE.exec(line)).filter((match) => match !== null);
  const chain = parents.length > 0 ? `, required by ${parents.join(" ← ")}` : "";
  return {
    class: "unsatisfied-dependency",
    summary: `nothing satisfies ${atom}${chain}`,
    fix: changes.length > 0
      ? changes.map(([, cpv, flags = ""]) => `add use: ['=${cpv} ${flags.trim().split(/\s+/).map((flag) => flag.replace(/^\+/, "")).join(" ")}'] to the task (package.use)`)
      : [`check that ${atom} is spelled right and that the repository providing it is synced and enabled in repos.conf`],
    details: block,
    packages: [atom, ...parents.map((parent) => parent.replace(/::.*$/, ""))],
  };
}

/** The message ends at a blank line or at depgraph.py's show_mask_docs. */
function blockEnd(lines: readonly string[], start: number): number {
  const end = findLine(lines, /^$|^For more information, see the MASKED PACKAGES section/, start + 1);
  return end >= 0 ? end : lines.length;
}
