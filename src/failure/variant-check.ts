// After an install task succeeded: is the variant it asked for in PKGDIR? emerge ignores a USE flag the
// package does not have (with only a warning), and package.use lines of a more specific atom beat the
// task's own, so a zero exit status alone does not prove the variant was built. An existing entry that
// matches counts: emerge --usepkg reused it.
import { atomMatches } from "../portage/atom-match.js";
import type { BinpkgEntry } from "../portage/packages-index.js";
import { requestAtom, type VariantRequest } from "../portage/variant-request.js";
import type { Failure } from "./failure.js";

/** How many of the closest entries a failure lists. */
const CLOSEST = 3;

/** Null when an entry of the index has the requested variant; otherwise a failure of class variant-missing. */
export function checkVariant(request: VariantRequest, entries: readonly BinpkgEntry[]): Failure | null {
  const atom = requestAtom(request);
  if (atom === undefined) return null;
  const candidates = entries.filter((entry) => atomMatches(atom, entry));
  const scored = candidates.map((entry) => ({ entry, misses: mismatches(request, entry) }));
  if (scored.some((candidate) => candidate.misses.length === 0)) return null;
  const asked = describeFlags(request);
  if (scored.length === 0) {
    return variantMissing(request, `no binpkg of ${request.atom} is in PKGDIR after the task succeeded`, [
      `asked for: ${request.atom}${asked ? ` with USE ${asked}` : ""}`,
      "closest entries: none; the Packages index lists no build of this atom",
    ], [
      "check the task's log: an emerge option such as --pretend, --fetchonly or --onlydeps builds nothing, and FEATURES=-buildpkg in etc_portage's make.conf writes no binpkg",
    ]);
  }
  scored.sort((a, b) => a.misses.length - b.misses.length || (b.entry.buildTime ?? 0) - (a.entry.buildTime ?? 0));
  const closest = scored.slice(0, CLOSEST).map(({ entry, misses }) =>
    `${entry.cpv}${entry.buildId !== undefined ? ` (BUILD_ID ${entry.buildId})` : ""}: USE "${entry.use.join(" ")}", differs in ${misses.join(" ")}`);
  return variantMissing(request, `no binpkg of ${request.atom} in PKGDIR has USE ${asked}`, [
    `asked for: ${request.atom} with USE ${asked}`,
    `closest entries (${Math.min(scored.length, CLOSEST)} of ${scored.length}): ${closest.join("; ")}`,
  ], fixes(request, scored[0]?.entry));
}

function variantMissing(request: VariantRequest, summary: string, details: string[], fix: string[]): Failure {
  return { class: "variant-missing", summary, details, fix, packages: [request.atom] };
}

/** The requested flags an entry gets wrong: `x265` missing, `-doc` present. */
function mismatches(request: VariantRequest, entry: Pick<BinpkgEntry, "use">): string[] {
  const use = new Set(entry.use);
  return [
    ...request.enabled.filter((flag) => !use.has(flag)),
    ...request.disabled.filter((flag) => use.has(flag)).map((flag) => `-${flag}`),
  ];
}

function describeFlags(request: VariantRequest): string {
  return [...request.enabled, ...request.disabled.map((flag) => `-${flag}`)].join(" ");
}

/** A flag the package does not have is a typo; otherwise something overrode the task's flags. */
function fixes(request: VariantRequest, closest: BinpkgEntry | undefined): string[] {
  const iuse = closest?.fields.IUSE?.split(/\s+/).filter((flag) => flag !== "").map((flag) => flag.replace(/^[+-]/, ""));
  const unknown = iuse ? [...request.enabled, ...request.disabled].filter((flag) => !iuse.includes(flag)) : [];
  const fix: string[] = [];
  if (iuse && unknown.length > 0) {
    fix.push(`${closest?.cpv} has no USE flag ${unknown.join(", ")} (its IUSE: ${iuse.join(" ")}); Portage ignores such a flag, so fix or remove it in the task's 'use'`);
  }
  fix.push(
    "look in the task's log for emerge's USE warnings and for a package.use line in etc_portage whose atom is more specific than the task's (it beats the task's line)",
    "binpkgbot validate names modifiers that can have no effect",
  );
  return fix;
}
