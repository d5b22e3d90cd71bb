// Which directory answers a binhost request when PKGDIR has releases (src/releases/): the current
// release at the root, release N at /releases/N/, a tag's release at /tags/NAME/; PKGDIR itself while
// there is no release. A release never changes, so its open root and index cache are kept until
// retention removes it. A binpkg asked for at the root that the current release lacks is looked up in
// the older kept releases, newest first: a client that read the root's Packages just before a switch
// still gets its files for as long as that release is kept (the grace period is retention's).
// A release's repository archive is the one its N.json names, under the releases' repository/.
// Which release is current, and that a release is still there, are read again only after the releases
// directory changed (directory-watch.ts), not on every request.
import { lstat, readdir } from "node:fs/promises";
import { readCurrentNumber, readReleaseMeta, readRefs } from "../releases/read-releases.js";
import { EMPTY_REFS, type Refs } from "../releases/release.js";
import { parseReleaseName, releaseMetaFile, releasePath, releasesLayout, type ReleasesLayout } from "../releases/release-layout.js";
import { DirectoryWatch, type Stamp } from "./directory-watch.js";
import { IndexCache } from "./index-cache.js";
import { PkgdirRoot, type Opened } from "./open-beneath.js";

export interface ServedRoot {
  dir: string;
  root: PkgdirRoot;
  indexes: IndexCache;
  /** The file name of the release's repository archive; null for PKGDIR and a release without one. */
  repositoryArchive: string | null;
}

export type RootRoute =
  | { kind: "root"; target: string }
  | { kind: "release"; number: number; target: string }
  | { kind: "tag"; name: string; target: string }
  | { kind: "refuse"; reason: string };

/** Pure: splits /releases/N/… and /tags/NAME/… off a request target. */
export function routeReleaseTarget(target: string): RootRoute {
  const match = /^\/(releases|tags)\/([^/?#]*)(\/.*)?$/.exec(target);
  if (!match) return { kind: "root", target };
  const [, group, name = "", rest] = match;
  if (rest === undefined) return { kind: "refuse", reason: `no file named by ${target}` };
  if (group === "releases") {
    const parsed = parseReleaseName(name);
    return parsed === null || parsed.meta ? { kind: "refuse", reason: `no release ${name}` } : { kind: "release", number: parsed.number, target: rest };
  }
  return /^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(name) ? { kind: "tag", name, target: rest } : { kind: "refuse", reason: `no tag ${name}` };
}

export type Resolved =
  | { kind: "served"; served: ServedRoot; target: string; older?: () => Promise<ServedRoot[]> }
  | { kind: "refuse"; reason: string };

export class ReleaseRoots {
  private readonly layout: ReleasesLayout | null;
  private readonly pkgdir: ServedRoot;
  private readonly releases = new Map<number, ServedRoot>();
  private readonly archives: PkgdirRoot | null;
  private readonly watch: DirectoryWatch | null;
  private readonly currentNumber: () => number | null | Promise<number | null>;
  private readonly refs: () => Refs | Promise<Refs>;
  /** When each known release was last seen finished. */
  private readonly confirmed = new Map<number, Stamp>();

  constructor(pkgdir: string, releasesDir: string | undefined) {
    this.pkgdir = served(pkgdir, null);
    this.layout = releasesDir === undefined ? null : releasesLayout(releasesDir);
    this.archives = this.layout === null ? null : new PkgdirRoot(this.layout.repositoryDir);
    const layout = this.layout;
    this.watch = layout === null ? null : new DirectoryWatch(layout.dir);
    this.currentNumber = layout === null ? () => null : this.watch!.cached(() => readCurrentNumber(layout));
    this.refs = layout === null ? () => EMPTY_REFS : this.watch!.cached(() => readRefs(layout));
  }

  /** The repository archive of a served release, never through a symlink. */
  async openRepositoryArchive(root: ServedRoot): Promise<Opened> {
    if (root.repositoryArchive === null || this.archives === null) {
      return { kind: "refused", reason: root === this.pkgdir ? "no release is published yet" : "the release carries no repository archive" };
    }
    return this.archives.open(root.repositoryArchive, { maxLinks: 0 });
  }

  /**
   * The root that answers a request, and for a binpkg at the root the older releases to try when the
   * current one lacks it; a reason when nothing can answer.
   */
  async resolve(target: string): Promise<Resolved> {
    const route = routeReleaseTarget(target);
    const layout = this.layout;
    if (route.kind === "refuse") return route;
    if (layout === null) return route.kind === "root" ? { kind: "served", served: this.pkgdir, target } : { kind: "refuse", reason: "no releases are served" };
    if (route.kind === "root") {
      const cached = this.currentNumber();
      const current = cached instanceof Promise ? await cached : cached;
      const root = current === null ? null : this.releaseNow(current) ?? await this.release(layout, current);
      return root === null || current === null ? { kind: "served", served: this.pkgdir, target } : { kind: "served", served: root, target, older: () => this.older(layout, current) };
    }
    const number = route.kind === "release" ? route.number : (await this.refs()).tags[route.name];
    const root = number === undefined ? null : await this.release(layout, number);
    if (root !== null) return { kind: "served", served: root, target: route.target };
    return { kind: "refuse", reason: route.kind === "tag" ? `no tag ${route.name}` : `no release ${route.number}` };
  }

  /** Kept releases older than the current one, newest first. */
  private async older(layout: ReleasesLayout, current: number): Promise<ServedRoot[]> {
    const roots: ServedRoot[] = [];
    const numbers = (await readdir(layout.dir).catch(() => [] as string[]))
      .map((name) => parseReleaseName(name)).filter((parsed) => parsed?.meta === true && parsed.number < current)
      .map((parsed) => parsed!.number).sort((a, b) => b - a);
    for (const number of numbers) {
      const root = await this.release(layout, number);
      if (root !== null) roots.push(root);
    }
    return roots;
  }

  /** A release's root while nothing changed since it was last seen finished; else undefined. */
  private releaseNow(number: number): ServedRoot | undefined {
    const confirmed = this.confirmed.get(number);
    return confirmed && this.watch!.fresh(confirmed) ? this.releases.get(number) : undefined;
  }

  /** A finished release's root; a removed one is forgotten and its directory handle closed. */
  private async release(layout: ReleasesLayout, number: number): Promise<ServedRoot | null> {
    const known = this.releaseNow(number);
    if (known) return known;
    const stamp = this.watch!.stamp();
    const finished = await lstat(releaseMetaFile(layout, number)).then(() => true, () => false);
    const seen = this.releases.get(number);
    if (!finished) {
      if (seen) {
        this.releases.delete(number);
        this.confirmed.delete(number);
        await seen.root.close();
      }
      return null;
    }
    if (seen) {
      this.confirmed.set(number, stamp);
      return seen;
    }
    const archive = (await readReleaseMeta(layout, number))?.repositoryArchive ?? null;
    // Another request may have opened the release meanwhile: keep one root per release.
    const opened = this.releases.get(number);
    if (opened) return opened;
    const root = served(releasePath(layout, number), archive);
    this.releases.set(number, root);
    this.confirmed.set(number, stamp);
    return root;
  }

  async close(): Promise<void> {
    this.watch?.close();
    await this.pkgdir.root.close();
    await this.archives?.close();
    for (const root of this.releases.values()) await root.root.close();
  }
}

function served(dir: string, repositoryArchive: string | null): ServedRoot {
  const root = new PkgdirRoot(dir);
  return { dir, root, indexes: new IndexCache((relPath) => root.open(relPath, { maxLinks: 0 })), repositoryArchive };
}
