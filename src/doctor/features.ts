// Whether a FEATURES flag ends up on, from make.conf text and emerge options. Pure.
//
// Portage reads make.conf (or every file of a make.conf directory, in order) as shell-like
// assignments where a later assignment replaces an earlier one and ${FEATURES} expands to the
// value so far (lib/portage/util/__init__.py getconfig). The result is then applied
// incrementally on top of make.globals and the profile: `flag` adds, `-flag` removes, `-*`
// clears (make.conf(5), "FEATURES"). Profiles' make.defaults are not read here.
import type { TextFile } from "./facts.js";

export interface FeatureState {
  on: boolean;
  /** The make.conf file whose FEATURES decided the state; null when the default stands. */
  decidedBy: string | null;
}

interface Token {
  value: string;
  file: string;
}

// FEATURES=… at the start of a line (optionally after `export`), double-, single- or unquoted.
const ASSIGNMENT = /^[ \t]*(?:export[ \t]+)?FEATURES=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s#]*))/gm;
const SELF_REFERENCE = /\$\{FEATURES\}|\$FEATURES\b/;

/** The FEATURES tokens make.conf sets, each with the file it came from, after ${FEATURES} expansion. */
export function parseMakeConfFeatures(files: readonly TextFile[]): Token[] {
  let tokens: Token[] = [];
  for (const file of files) {
    for (const match of file.text.matchAll(ASSIGNMENT)) {
      const value = match[1] ?? match[2] ?? match[3] ?? "";
      const next: Token[] = [];
      for (const word of value.split(/\s+/).filter(Boolean)) {
        if (SELF_REFERENCE.test(word)) next.push(...tokens);
        else next.push({ value: word, file: file.path });
      }
      tokens = next;
    }
  }
  return tokens;
}

/** Applies make.conf's FEATURES incrementally to a flag whose default (make.globals) is `defaultOn`. */
export function resolveFeature(files: readonly TextFile[], flag: string, defaultOn: boolean): FeatureState {
  let state: FeatureState = { on: defaultOn, decidedBy: null };
  for (const token of parseMakeConfFeatures(files)) {
    if (token.value === flag) state = { on: true, decidedBy: token.file };
    else if (token.value === `-${flag}` || token.value === "-*") state = { on: false, decidedBy: token.file };
  }
  return state;
}

/**
 * Whether emerge options ask for remote binpkgs: --getbinpkg / -g, --getbinpkgonly / -G
 * (emerge(1)), also inside a bundle of short options such as -uDNg; `--getbinpkg=n` or `--getbinpkg n`
 * turns it off.
 */
export function optionsRequestGetbinpkg(options: readonly string[]): boolean {
  let on = false;
  options.forEach((option, index) => {
    const long = /^--getbinpkg(?:only)?(?:=(\S+))?$/.exec(option);
    // The value may also be the next argument: --getbinpkg n.
    const next = options[index + 1];
    const value = long?.[1] ?? (next !== undefined && /^[yn]$/.test(next) ? next : "y");
    if (long) on = value === "y";
    else if (/^-[A-Za-z]+$/.test(option) && /[gG]/.test(option)) on = true;
  });
  return on;
}
