// The variant a task asks for: its atom and the USE flags its `use` modifier sets on that atom, as
// Portage writes them into USE of a Packages entry.
import { parseAtom, type PackageAtom } from "./atom.js";

export type VariantRequest = {
  atom: string;
  /** Flags that must be in the binpkg's USE, USE_EXPAND ones in their prefixed form (video_cards_radeon). */
  enabled: string[];
  /** Flags that must not be in it. */
  disabled: string[];
};

/**
 * A package atom's request from package.use-style lines: only the lines on the task's own atom count
 * (lines on other atoms set flags of dependencies). Null for sets and wildcards, which name no one package.
 */
export function planVariantRequest(atom: string, lines: readonly { atom: string; tokens: readonly string[] }[]): VariantRequest | null {
  if (requestAtom({ atom }) === undefined) return null;
  const flags = resolveUseTokens(lines.filter((line) => line.atom === atom).flatMap((line) => line.tokens));
  const enabled = [...flags].filter(([, on]) => on).map(([flag]) => flag);
  const disabled = [...flags].filter(([, on]) => !on).map(([flag]) => flag);
  return { atom, enabled, disabled };
}

/**
 * Flag → enabled, in token order (a later token wins). `VIDEO_CARDS:` prefixes the following flags with
 * `video_cards_` (`_parse_user_files_to_extatomdict` in lib/portage/package/ebuild/_config/UseManager.py).
 * `-*` (or `VIDEO_CARDS: -*`) disables every flag not named after it: the flags named before it are
 * then no longer asked for either way, and flags nobody named are not checked.
 */
export function resolveUseTokens(tokens: readonly string[]): Map<string, boolean> {
  const flags = new Map<string, boolean>();
  let prefix = "";
  for (const token of tokens) {
    if (token.endsWith(":")) {
      prefix = `${token.slice(0, -1).toLowerCase()}_`;
      continue;
    }
    if (token === "-*") {
      for (const flag of [...flags.keys()]) if (flag.startsWith(prefix)) flags.delete(flag);
      continue;
    }
    const flag = prefix + (token.startsWith("-") ? token.slice(1) : token);
    flags.delete(flag);
    flags.set(flag, !token.startsWith("-"));
  }
  return flags;
}

/** The atom of a request, parsed; undefined where it is no single package. */
export function requestAtom(request: Pick<VariantRequest, "atom">): PackageAtom | undefined {
  const parsed = parseAtom(request.atom, { allowSet: true, allowWildcard: true });
  return parsed.ok && parsed.atom.kind === "package" && !parsed.atom.wildcard ? parsed.atom : undefined;
}
