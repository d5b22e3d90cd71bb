// emerge options that change what every emerge of a run does. The short letters and long names are
// Portage's (lib/_emerge/main.py shortmapping, man/emerge.1 ACTIONS and OPTIONS).
import type { ConfigIssue } from "./issues.js";

type Finding = Pick<ConfigIssue, "message" | "hint" | "severity">;

const SHORT: Record<string, string> = {
  a: "--ask", B: "--buildpkgonly", c: "--depclean", C: "--unmerge", f: "--fetchonly", F: "--fetch-all-uri",
  h: "--help", p: "--pretend", P: "--prune", r: "--resume", s: "--search", S: "--searchdesc", V: "--version",
};

const REMOVAL = "every install and upgrade becomes a removal of the package from the stage";
const ACTION = "it is an emerge action, so every task would do it instead of building";
const NOTHING_BUILT = "no binpkg is built, so every install task fails as variant-missing and upgrades succeed without building";

type Meaning = { reason: string; severity: "error" | "warning"; hint: string };
// Actions (man/emerge.1 ACTIONS) that would replace the build of every task.
const ACTIONS = ["--help", "--version", "--search", "--searchdesc", "--resume", "--info", "--config", "--regen", "--metadata", "--list-sets", "--check-news", "--clean"];

// error: never what a build wants; warning: a real admin may mean it, so say what happens.
const MEANINGS: Record<string, Meaning> = {
  ...Object.fromEntries(ACTIONS.map((name): [string, Meaning] => [name, { reason: ACTION, severity: "error", hint: "remove it" }])),
  "--sync": { reason: ACTION, severity: "error", hint: "remove it; the 'sync' key syncs before the tasks" },
  "--unmerge": { reason: REMOVAL, severity: "error", hint: "remove it; binpkgbot only builds" },
  "--depclean": { reason: REMOVAL, severity: "error", hint: "remove it; run 'emerge --depclean' in a run task if the stage needs it" },
  "--prune": { reason: REMOVAL, severity: "error", hint: "remove it" },
  "--rage-clean": { reason: REMOVAL, severity: "error", hint: "remove it" },
  // lib/_emerge/actions.py: '"--ask" should only be used in a terminal. Exiting.' when stdin is no tty.
  "--ask": { reason: "emerge refuses it without a terminal, and builds run without one, so every task would fail", severity: "error", hint: "remove it, or write --ask=n" },
  "--pretend": { reason: `every emerge only shows what it would do: ${NOTHING_BUILT}`, severity: "warning", hint: "binpkgbot plan shows a run without starting it" },
  "--fetchonly": { reason: `every emerge only downloads sources: ${NOTHING_BUILT}`, severity: "warning", hint: "remove it unless the run is meant to fill distdir only" },
  "--fetch-all-uri": { reason: `every emerge only downloads sources: ${NOTHING_BUILT}`, severity: "warning", hint: "remove it unless the run is meant to fill distdir only" },
  "--buildpkgonly": {
    reason: "packages are built but never merged: upgrades leave the stage as it was, and a package a later one depends on is built again each time",
    severity: "warning", hint: "remove it; throw-away install tasks already leave the stage untouched",
  },
};

export function checkEmergeOptionMeaning(option: string, report: (finding: Finding) => void): void {
  for (const name of longNames(option)) {
    const meaning = MEANINGS[name];
    if (!meaning) continue;
    const shown = name === option ? `'${option}'` : `'${option}' (${name})`;
    report({ message: `${shown}: ${meaning.reason}`, hint: meaning.hint, ...(meaning.severity === "warning" ? { severity: "warning" } : {}) });
  }
}

/** The long names an option stands for: '-aC' is --ask and --unmerge; '--ask=n' and '--ask=y' are answers. */
function longNames(option: string): string[] {
  if (/^-[A-Za-z]+$/.test(option)) return [...option.slice(1)].map((letter) => SHORT[letter] ?? "");
  const long = /^(--[a-z][a-z0-9-]*)(?:=(.*))?$/.exec(option);
  if (!long?.[1]) return [];
  // --ask takes y or n (man/emerge.1): only n lets emerge go on by itself.
  if (long[1] === "--ask" && /^(n|no)$/i.test(long[2] ?? "")) return [];
  return [long[1]];
}
