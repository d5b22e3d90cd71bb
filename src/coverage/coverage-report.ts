// One server's coverage from what emerge --pretend printed for it: how many packages come as binpkgs,
// and every one that would still be compiled, with the reason. Pure.
import { parseAtom } from "../portage/atom.js";
import { atomMatches } from "../portage/atom-match.js";
import type { MergeListEntry, PretendOutput, UnsatisfiedAtom } from "../portage/pretend-output.js";
import type { ServerCoverageRecord } from "../state/server-coverage.js";

/** Version of the --json document; raised when a field changes meaning or goes away. */
export const COVERAGE_VERSION = 1;

export type CompileReason =
  /** No binpkg of this version in PKGDIR. */
  | { kind: "no-binpkg" }
  /** Binpkgs of this version exist, built with other USE: the server wants `wanted`, they have `available`. */
  | { kind: "use"; wanted: string[]; available: string[] };

export interface ToCompile {
  cpv: string;
  cp: string;
  /** The flags emerge shows for the build (all of them for a new package, the changes otherwise). */
  use: string[];
  reason: CompileReason;
}

export type ServerCoverage =
  | {
    server: string;
    status: "covered" | "uncovered";
    binaries: number;
    compile: ToCompile[];
    /** Atoms nothing may satisfy for the server: masked (keywords, package.mask, licence) or missing. */
    blocked: UnsatisfiedAtom[];
    /** Packages that would be compiled but match the server's `ignore`. */
    accepted: string[];
  }
  /** Another arch or CHOST: no task of this stage can serve it. */
  | { server: string; status: "own-stage"; reason: string }
  /** The check itself did not work (no data yet, emerge failed without saying why). */
  | { server: string; status: "error"; message: string };

/** The summary of one server's pretend output; `exitCode` is emerge's. */
export function summarizeServer(server: string, ignore: readonly string[], output: PretendOutput, exitCode: number, tail: string): ServerCoverage {
  if (exitCode !== 0 && output.unsatisfied.length === 0 && output.builds.length === 0 && output.binaries.length === 0) {
    return { server, status: "error", message: `emerge --pretend exited with ${exitCode}: ${tail || "no output"}` };
  }
  const wanted = new Map(output.ignored.map((entry) => [entry.cpv, entry]));
  const accepted: string[] = [];
  const compile: ToCompile[] = [];
  for (const entry of output.builds) {
    if (isAccepted(entry, ignore)) accepted.push(entry.cpv);
    else compile.push(toCompile(entry, wanted.get(entry.cpv)));
  }
  const blocked = output.unsatisfied.filter((atom) => !ignore.includes(atom.atom));
  const covered = compile.length === 0 && blocked.length === 0;
  return { server, status: covered ? "covered" : "uncovered", binaries: output.binaries.length, compile, blocked, accepted };
}

function toCompile(entry: MergeListEntry, ignored: { wanted: string[]; available: string[] } | undefined): ToCompile {
  const reason: CompileReason = ignored ? { kind: "use", wanted: ignored.wanted, available: ignored.available } : { kind: "no-binpkg" };
  return { cpv: entry.cpv, cp: entry.cp, use: entry.use, reason };
}

function isAccepted(entry: MergeListEntry, ignore: readonly string[]): boolean {
  return ignore.some((text) => {
    const parsed = parseAtom(text, { allowWildcard: true });
    if (!parsed.ok || parsed.atom.kind !== "package") return false;
    if (!parsed.atom.wildcard) return atomMatches(parsed.atom, { cpv: entry.cpv });
    return wildcardMatches(`${parsed.atom.category}/${parsed.atom.package}`, entry.cp);
  });
}

/** `sys-kernel/*`, `*-lang/rust`: `*` is any run of characters within the category or the name. */
function wildcardMatches(pattern: string, cp: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*")}$`);
  return regex.test(cp);
}

/** One line per fact, for people. */
export function renderCoverage(result: ServerCoverage): string[] {
  switch (result.status) {
    case "own-stage":
      return [`${result.server}: needs its own stage: ${result.reason}`];
    case "error":
      return [`${result.server}: not checked: ${result.message}`];
    case "covered":
    case "uncovered": {
      const head = `${result.server}: ${result.binaries} from binpkgs, ${result.compile.length + result.blocked.length} to compile`
        + (result.accepted.length > 0 ? ` (${result.accepted.length} more accepted by ignore)` : "");
      return [head, ...result.compile.map((entry) => `  ${entry.cpv}: ${describeReason(entry.reason)}`), ...result.blocked.map(describeBlocked)];
    }
    default: {
      const never: never = result;
      throw new Error(`unhandled coverage ${JSON.stringify(never)}`);
    }
  }
}

function describeReason(reason: CompileReason): string {
  return reason.kind === "no-binpkg"
    ? "no binpkg of this version"
    : `binpkgs of this version have other USE: wanted '${reason.wanted.join(" ")}', available '${reason.available.join(" ")}'`;
}

function describeBlocked(atom: UnsatisfiedAtom): string {
  const candidates = atom.candidates.map((candidate) => `${candidate.cpv} (masked by: ${candidate.reasons.join(", ")})`).join("; ");
  switch (atom.kind) {
    case "masked":
      return `  ${atom.atom}: every version is masked for this server: ${candidates}`;
    case "no-binary":
      return `  ${atom.atom}: no binpkg satisfies it`;
    case "no-ebuild":
      return `  ${atom.atom}: nothing in the repository satisfies it`;
    default: {
      const never: never = atom.kind;
      throw new Error(`unhandled unsatisfied ${String(never)}`);
    }
  }
}

/** The --json document. */
export function coverageDocument(results: readonly ServerCoverage[]): { version: number; covered: boolean; servers: readonly ServerCoverage[] } {
  return { version: COVERAGE_VERSION, covered: results.every((result) => result.status === "covered"), servers: results };
}


/** What the state database keeps of a check (src/state/server-coverage.ts). */
export function coverageRecord(result: ServerCoverage, checkedAt: Date): ServerCoverageRecord {
  switch (result.status) {
    case "covered":
    case "uncovered":
      return { server: result.server, status: result.status, toCompile: result.compile.length, fromBinpkgs: result.binaries, detail: null, checkedAt };
    case "own-stage":
      return { server: result.server, status: result.status, toCompile: null, fromBinpkgs: null, detail: result.reason, checkedAt };
    case "error":
      return { server: result.server, status: result.status, toCompile: null, fromBinpkgs: null, detail: result.message, checkedAt };
    default: {
      const never: never = result;
      throw new Error(`unhandled coverage ${JSON.stringify(never)}`);
    }
  }
}
