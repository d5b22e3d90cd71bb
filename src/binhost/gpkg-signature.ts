// Pure: what the member names of a GPKG container say about its signatures. gpkg.py writes
// `<basename>/gpkg-1`, `<basename>/metadata.tar.<ext>`, `<basename>/image.tar.<ext>` and a
// `Manifest`; with FEATURES=binpkg-signing, _add_signature() adds `<member>.sig` beside the
// metadata and image members (and the Manifest itself is clearsigned).

export type SignatureState =
  /** Both the metadata and the image have a detached signature. */
  | "signed"
  /** Only one of them has: Portage's verification fails on such a package. */
  | "partly-signed"
  | "unsigned"
  /** An XPAK binpkg (.tbz2/.xpak): Portage signs only GPKG. */
  | "not-gpkg"
  /** The file could not be read as a GPKG. */
  | "unknown";

export type GpkgLayout = {
  state: Exclude<SignatureState, "not-gpkg" | "unknown">;
  /** Member names without the `<basename>/` directory. */
  members: string[];
  /** What is wrong with the layout, for a person to read; empty for a well-formed GPKG. */
  problems: string[];
};

const DATA_MEMBER = /^(metadata|image)\.tar(\.[A-Za-z0-9]+)?$/;

export function describeGpkgMembers(names: readonly string[]): GpkgLayout {
  const members = names.map(stripDirectory);
  const problems: string[] = [];
  if (!members.includes("gpkg-1")) problems.push("no gpkg-1 member: not a GPKG container");
  const data = members.filter((name) => DATA_MEMBER.test(name));
  for (const part of ["metadata", "image"]) {
    if (!data.some((name) => name.startsWith(`${part}.`))) problems.push(`no ${part}.tar.* member`);
  }
  const signed = data.filter((name) => members.includes(`${name}.sig`));
  const state = signed.length === 0 ? "unsigned" : signed.length === data.length && data.length >= 2 ? "signed" : "partly-signed";
  if (state === "partly-signed") {
    const missing = data.filter((name) => !signed.includes(name));
    problems.push(`only some members are signed; no signature for ${missing.join(", ") || "the image or metadata"}`);
  }
  return { state, members, problems };
}

function stripDirectory(name: string): string {
  const slash = name.lastIndexOf("/");
  return slash === -1 ? name : name.slice(slash + 1);
}
