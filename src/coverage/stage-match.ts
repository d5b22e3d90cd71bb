// Whether a server can install what this stage builds at all. Binpkgs carry the stage's CHOST and
// are built for the profile's ARCH (GENTOO.md: one PKGDIR serves one stage), so a server of another
// arch or CHOST needs a stage of its own: that is a finding, not a gap a task could close. Pure.
import { archOfProfile, type ProfileDescription } from "../portage/profile-files.js";

export interface PortageFacts {
  /** The make.profile target below profiles/ (default/linux/amd64/23.0); null when unknown. */
  profile: string | null;
  /** The profile's ARCH from profiles.desc; null when the profile is not listed there. */
  arch: string | null;
  /** CHOST as make.conf sets it; null when make.conf leaves it to the profile. */
  chost: string | null;
}

/** Facts from the make.profile symlink target, make.conf's text and the repository's profiles.desc. */
export function portageFacts(profileLink: string | null, makeConf: string, profiles: readonly ProfileDescription[]): PortageFacts {
  const at = profileLink?.lastIndexOf("profiles/") ?? -1;
  const profile = profileLink && at >= 0 ? profileLink.slice(at + "profiles/".length).replace(/\/+$/, "") : null;
  return {
    profile,
    arch: profileLink ? archOfProfile(profileLink, profiles)?.arch ?? null : null,
    chost: parseMakeConfValue(makeConf, "CHOST"),
  };
}

/**
 * A plain `NAME="value"` (or 'value', or bare) assignment of make.conf, the last one winning as the
 * shell would; values that expand other variables are taken as written. Null when absent.
 */
export function parseMakeConfValue(text: string, name: string): string | null {
  let value: string | null = null;
  const pattern = new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s#]*))`, "gm");
  for (const match of text.matchAll(pattern)) value = (match[1] ?? match[2] ?? match[3] ?? "").trim();
  return value;
}

/** Why the server cannot be served from this stage, or null. Unknown facts never count as different. */
export function ownStageReason(stage: PortageFacts, server: PortageFacts): string | null {
  if (stage.arch && server.arch && stage.arch !== server.arch) {
    return `its profile ${server.profile} is for ${server.arch}, the stage's ${stage.profile} for ${stage.arch}`;
  }
  if (stage.chost && server.chost && stage.chost !== server.chost) {
    return `its CHOST is ${server.chost}, the stage's ${stage.chost}`;
  }
  return null;
}
