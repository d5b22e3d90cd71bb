// What changed between two releases: binpkgs added, removed and changed per package and slot
// (version, USE, BUILD_ID), and the repository they were built from. Pure: two Packages texts and two
// metadata records in, a versioned document out (`releases diff --json` prints it).
import { parsePackagesIndex, type BinpkgEntry } from "../portage/packages-index.js";
import { versionSplitIndex } from "../portage/version.js";
import type { ReleaseMeta } from "./release.js";

export const RELEASE_DIFF_VERSION = 1;

export interface BinpkgInstance {
  version: string;
  buildId: number | null;
  use: string[];
  path: string;
}

export interface PackageChange {
  /** category/package:slot */
  package: string;
  from: BinpkgInstance[];
  to: BinpkgInstance[];
}

export interface ReleaseDiff {
  version: typeof RELEASE_DIFF_VERSION;
  from: number;
  to: number;
  repository: { from: string | null; to: string | null; changed: boolean };
  added: PackageChange[];
  removed: PackageChange[];
  changed: PackageChange[];
}

export function diffReleases(from: { meta: ReleaseMeta; packages: string }, to: { meta: ReleaseMeta; packages: string }): ReleaseDiff {
  const before = groupBySlot(parsePackagesIndex(from.packages).packages);
  const after = groupBySlot(parsePackagesIndex(to.packages).packages);
  const diff: ReleaseDiff = {
    version: RELEASE_DIFF_VERSION, from: from.meta.number, to: to.meta.number,
    repository: { from: from.meta.repository, to: to.meta.repository, changed: from.meta.repository !== to.meta.repository },
    added: [], removed: [], changed: [],
  };
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const change = { package: key, from: before.get(key) ?? [], to: after.get(key) ?? [] };
    if (change.from.length === 0) diff.added.push(change);
    else if (change.to.length === 0) diff.removed.push(change);
    else if (JSON.stringify(change.from) !== JSON.stringify(change.to)) diff.changed.push(change);
  }
  return diff;
}

function groupBySlot(entries: readonly BinpkgEntry[]): Map<string, BinpkgInstance[]> {
  const groups = new Map<string, BinpkgInstance[]>();
  for (const entry of entries) {
    const split = versionSplitIndex(entry.cpv) ?? entry.cpv.length;
    const key = `${entry.cpv.slice(0, split)}:${entry.slot}`;
    const instance = { version: entry.cpv.slice(split + 1), buildId: entry.buildId ?? null, use: [...entry.use].sort(), path: entry.path };
    groups.set(key, [...(groups.get(key) ?? []), instance]);
  }
  for (const instances of groups.values()) instances.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return groups;
}

/** One line per change, for the terminal. */
export function renderReleaseDiff(diff: ReleaseDiff): string[] {
  const describe = (instances: BinpkgInstance[]): string => instances
    .map((instance) => `${instance.version}${instance.buildId === null ? "" : `#${instance.buildId}`} USE="${instance.use.join(" ")}"`).join(", ");
  const lines = [`release ${diff.from} → ${diff.to}`];
  lines.push(diff.repository.changed ? `repository: ${diff.repository.from ?? "unknown"} → ${diff.repository.to ?? "unknown"}` : `repository: unchanged (${diff.repository.to ?? "unknown"})`);
  for (const change of diff.added) lines.push(`+ ${change.package} ${describe(change.to)}`);
  for (const change of diff.removed) lines.push(`- ${change.package} ${describe(change.from)}`);
  for (const change of diff.changed) lines.push(`~ ${change.package} ${describe(change.from)} → ${describe(change.to)}`);
  if (diff.added.length + diff.removed.length + diff.changed.length === 0) lines.push("no binpkg changed");
  return lines;
}
