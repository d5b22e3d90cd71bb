// Files of a repository's profiles/ directory that the modifier checks read (man/portage.5).
import { parseAtom, type PackageAtom } from "./atom.js";

/**
 * package.mask: one atom a line, `#` comments; a `-atom` line removes an atom of a parent profile, so it
 * masks nothing (`grabfile_package` in lib/portage/util/__init__.py, stacked by MaskManager.py).
 * Lines that are no atom are skipped, as Portage skips them with a warning.
 */
export function parseMaskFile(text: string): PackageAtom[] {
  const atoms: PackageAtom[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "" || line.startsWith("-")) continue;
    const parsed = parseAtom(line, { allowWildcard: true });
    if (parsed.ok && parsed.atom.kind === "package") atoms.push(parsed.atom);
  }
  return atoms;
}

export type ProfileDescription = { arch: string; profile: string; status: string };

/** profiles.desc: `ARCH PROFILE-DIRECTORY STATUS` a line, the directory relative to profiles/ (man/portage.5). */
export function parseProfilesDesc(text: string): ProfileDescription[] {
  return text.split("\n").flatMap((raw) => {
    const [arch, profile, status] = raw.replace(/#.*/, "").trim().split(/\s+/);
    return arch && profile && status ? [{ arch, profile, status }] : [];
  });
}

/**
 * The ARCH of the profile `/etc/portage/make.profile` points to: the part of its target after
 * `profiles/`, looked up in profiles.desc. Undefined when it is not listed there.
 */
export function archOfProfile(linkTarget: string, profiles: readonly ProfileDescription[]): ProfileDescription | undefined {
  const at = linkTarget.lastIndexOf("profiles/");
  if (at === -1) return undefined;
  const profile = linkTarget.slice(at + "profiles/".length).replace(/\/+$/, "");
  return profiles.find((entry) => entry.profile === profile);
}
