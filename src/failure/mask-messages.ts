// Portage's messages for packages it may not use as configured: masks, and the changes it proposes
// itself (autounmask) to keywords, masks, USE and licenses.
import type { Failure } from "./failure.js";
import { capturesOf, exactAtom, findLine } from "./output-text.js";

// lib/_emerge/depgraph.py, _show_unsatisfied_dep: `!!! All ebuilds that could satisfy "ATOM" have been masked.`
const ALL_MASKED = /^!!! All ebuilds that could satisfy "(.+)" have been masked\.$/;
// lib/_emerge/depgraph.py, show_masked_packages: `- cat/pkg-1.0::repo (masked by: REASON, REASON)`; the
// reasons are lib/portage/package/ebuild/getmaskingstatus.py's: "package.mask", "~amd64 keyword",
// "missing keyword", "-amd64 keyword", "LICENSE license(s)", "EAPI 9", "properties", "in RESTRICT".
const MASKED_PACKAGE = /^- (\S+) \(masked by: (.+)\)$/;

/** "!!! All ebuilds that could satisfy … have been masked." and the masked versions listed after it. */
export function classifyMasked(lines: readonly string[]): Failure | null {
  const start = findLine(lines, ALL_MASKED);
  if (start < 0) return null;
  const atom = ALL_MASKED.exec(lines[start] ?? "")?.[1] ?? "";
  const listed = lines.slice(start + 1, end(lines, start)).filter((line) => !line.startsWith("!!! One of the following masked packages"));
  const masked = listed.map((line) => MASKED_PACKAGE.exec(line)).filter((match) => match !== null);
  const first = masked[0];
  const fix = first ? maskFixes(first[1] ?? "", (first[2] ?? "").split(", ")) : [];
  return {
    class: "masked",
    summary: first ? `${atom} is masked (${first[1]}: masked by ${first[2]})` : `every version of ${atom} is masked`,
    fix: fix.length > 0 ? fix : [`see why ${atom} is masked: emerge --pretend --verbose ${atom}`],
    // With the masked versions, getmaskingreason.py's file and comment for a package.mask entry.
    details: listed.filter((line) => line.trim() !== ""),
    packages: [atom, ...masked.map((match) => (match[1] ?? "").replace(/::.*$/, ""))],
  };
}

// lib/_emerge/depgraph.py, show_mask_docs: the end of the list.
function end(lines: readonly string[], start: number): number {
  const docs = findLine(lines, /^For more information, see the MASKED PACKAGES section/, start);
  return docs >= 0 ? docs : lines.length;
}

/** What to add to the task for each mask reason of one package. */
function maskFixes(cpv: string, reasons: readonly string[]): string[] {
  const atom = exactAtom(cpv);
  return reasons.map((reason) => maskFix(atom, reason)).filter((fix) => fix !== null);
}

function maskFix(atom: string, reason: string): string | null {
  if (reason === "package.mask") return `add unmask: ['${atom}'] to the task (package.unmask)`;
  if (/^~\S+ keyword$/.test(reason)) return `add accept_keywords: ['${atom}'] to the task (package.accept_keywords)`;
  // getmaskingstatus.py: a missing or "-arch" keyword is only lifted by "**".
  if (/^(missing|-\S+) keyword$/.test(reason)) return `add accept_keywords: ['${atom} **'] to the task (package.accept_keywords)`;
  if (reason.endsWith(" license(s)")) {
    const licenses = reason.split(" ").filter((token) => !["||", "(", ")", "license(s)"].includes(token));
    return `add the line '${atom} ${licenses.join(" ")}' to package.license in etc_portage`;
  }
  if (reason.startsWith("EAPI ")) return `${atom} needs a newer Portage: upgrade sys-apps/portage in the stage first`;
  return null;
}

// lib/_emerge/depgraph.py, _display_autounmask (_writemsg): the header of each proposal, then
// "# required by …" comments and one package.* line each.
const PROPOSAL_HEADER = /^The following (keyword|mask|USE|license) changes are necessary to proceed:$/;
const PROPOSAL_LINE = /^[<>=~]*[A-Za-z0-9][\w+.-]*\/\S+/;

interface Proposals {
  kind: "keyword" | "mask" | "USE" | "license";
  lines: string[];
  comments: string[];
}

function readProposals(lines: readonly string[]): Proposals[] {
  const found: Proposals[] = [];
  for (let index = findLine(lines, PROPOSAL_HEADER); index >= 0; index = findLine(lines, PROPOSAL_HEADER, index + 1)) {
    const kind = PROPOSAL_HEADER.exec(lines[index] ?? "")?.[1] as Proposals["kind"];
    const section: Proposals = { kind, lines: [], comments: [] };
    for (const line of lines.slice(index + 1)) {
      if (line.startsWith(" (see ")) continue;
      if (line.startsWith("#")) section.comments.push(line);
      else if (PROPOSAL_LINE.test(line)) section.lines.push(line);
      else break;
    }
    found.push(section);
  }
  return found;
}

function proposalFix(kind: Proposals["kind"], line: string): string {
  switch (kind) {
    case "keyword": return `add accept_keywords: ['${line}'] to the task (package.accept_keywords)`;
    case "mask": return `add unmask: ['${line}'] to the task (package.unmask)`;
    case "USE": return `add use: ['${line}'] to the task (package.use)`;
    case "license": return `add the line '${line}' to package.license in etc_portage`;
  }
}

/**
 * "The following USE changes are necessary to proceed:" and its siblings. Any mask among them makes the
 * class "masked", else "use-change-needed"; the fix names every proposed line.
 */
export function classifyProposals(lines: readonly string[]): Failure | null {
  const sections = readProposals(lines).filter((section) => section.lines.length > 0);
  if (sections.length === 0) return null;
  const masks = sections.some((section) => section.kind !== "USE");
  const proposed = sections.flatMap((section) => section.lines.map((line) => ({ kind: section.kind, line })));
  const packages = [...new Set(proposed.map(({ line }) => line.split(/\s+/)[0] ?? line))];
  const what = masks ? `${sections.filter((section) => section.kind !== "USE").map((section) => section.kind).join(" and ")} changes` : "USE changes";
  return {
    class: masks ? "masked" : "use-change-needed",
    summary: `Portage needs ${what} to proceed: ${proposed.map(({ line }) => line).join("; ")}`,
    fix: proposed.map(({ kind, line }) => proposalFix(kind, line)),
    details: [...sections.flatMap((section) => [...section.comments, ...section.lines.map((line) => `package.${packageFile(section.kind)}: ${line}`)])],
    packages: [...packages, ...capturesOf(sections.flatMap((section) => section.comments), /^# required by (\S+)/)],
  };
}

function packageFile(kind: Proposals["kind"]): string {
  return kind === "keyword" ? "accept_keywords" : kind === "mask" ? "unmask" : kind === "USE" ? "use" : "license";
}
