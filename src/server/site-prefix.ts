// Pure: which site of a binhost that serves several (a fleet's targets, each under /NAME/) answers a
// request target, and the target as that site sees it. Everything after the prefix goes through the
// site's own checks (request-path.ts, release-roots.ts) exactly as a request at the root would.
export type SiteRoute<S> =
  | { kind: "site"; site: S; target: string }
  | { kind: "refuse"; reason: string };

export function routeSite<S>(target: string, sites: ReadonlyMap<string, S>): SiteRoute<S> {
  // Absolute-form targets (`GET http://host/x`) are legal from proxies; keep only the path, as request-path.ts does.
  const pathPart = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
  const match = /^\/([^/?#]*)(\/.*)?$/.exec(pathPart);
  const name = match?.[1] ?? "";
  const site = sites.get(name);
  if (site === undefined) return { kind: "refuse", reason: `no target ${JSON.stringify(name)} is served here` };
  const rest = match?.[2];
  if (rest === undefined) return { kind: "refuse", reason: `no file named by ${pathPart}` };
  return { kind: "site", site, target: rest };
}
