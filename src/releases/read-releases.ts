// Reads and switches what is on disk under the releases directory: the finished releases, the
// `current` link, tags and pins.
import { readdir, readFile, readlink } from "node:fs/promises";
import { replaceSymlink, writeFileAtomic } from "../io/atomic-file.js";
import { currentLinkTarget, parseReleaseName, releaseMetaFile, releasePath, type ReleasesLayout } from "./release-layout.js";
import { parseRefs, parseReleaseMeta, type Refs, type Release } from "./release.js";

/** Finished releases (those with their metadata file), oldest first. */
export async function readReleases(layout: ReleasesLayout): Promise<Release[]> {
  const names = await readdir(layout.dir).catch(() => [] as string[]);
  const releases: Release[] = [];
  for (const name of names) {
    const parsed = parseReleaseName(name);
    if (parsed === null || !parsed.meta || !names.includes(String(parsed.number))) continue;
    const meta = await readReleaseMeta(layout, parsed.number);
    if (meta !== null) releases.push({ number: parsed.number, path: releasePath(layout, parsed.number), meta });
  }
  return releases.sort((a, b) => a.number - b.number);
}

export async function readReleaseMeta(layout: ReleasesLayout, number: number): Promise<Release["meta"] | null> {
  try {
    return parseReleaseMeta(JSON.parse(await readFile(releaseMetaFile(layout, number), "utf8")), number);
  } catch {
    return null;
  }
}

/** The number `current` points at, or null when there is no release yet. */
export async function readCurrentNumber(layout: ReleasesLayout): Promise<number | null> {
  const target = await readlink(layout.current).catch(() => null);
  const parsed = target === null ? null : parseReleaseName(target);
  return parsed === null || parsed.meta ? null : parsed.number;
}

export async function readRefs(layout: ReleasesLayout): Promise<Refs> {
  try {
    return parseRefs(JSON.parse(await readFile(layout.refs, "utf8")));
  } catch {
    return { tags: {}, pins: [] };
  }
}

export async function writeRefs(layout: ReleasesLayout, refs: Refs): Promise<void> {
  await writeFileAtomic(layout.refs, `${JSON.stringify(refs, null, 2)}\n`);
}

/** One rename: a reader of `current` sees the old release or the new one, never neither. */
export async function linkCurrent(layout: ReleasesLayout, number: number): Promise<void> {
  await replaceSymlink(layout.current, currentLinkTarget(number));
}
