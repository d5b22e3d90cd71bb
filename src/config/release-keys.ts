// publish, releases_dir and releases_keep: when runs are published as releases and how many stay
// (src/releases/). Pure. Without a `publish` key nothing is published automatically, so a config
// written before releases existed behaves as before; `binpkgbot publish` works either way.
import type { ReleaseSettings } from "./config.js";
import type { ConfigIssue } from "./issues.js";
import type { Infer } from "./schema-kit.js";
import type { configSchema } from "./schema.js";

type ReleaseKeys = Pick<NonNullable<Infer<typeof configSchema>>, "publish" | "releases_keep">;

export const PUBLISH_WHEN = ["success", "always", "covered"] as const;

export function normalizeReleaseKeys(raw: ReleaseKeys, dir: string, pkgdir: string, report: (issue: Omit<ConfigIssue, "file">) => void): ReleaseSettings {
  const settings: ReleaseSettings = { dir, keep: raw.releases_keep, publish: null };
  // Inside PKGDIR, Portage would index release files as binpkgs and prune would delete them as unlisted.
  if (pkgdir !== "" && (isWithin(dir, pkgdir) || isWithin(pkgdir, dir))) {
    report({ path: ["releases_dir"], message: `'${dir}' overlaps pkgdir ${pkgdir}`, hint: "put releases beside pkgdir, as the default PKGDIR.releases does" });
  }
  if (raw.publish === undefined) return settings;
  if (typeof raw.publish === "string") {
    if (raw.publish === "auto") return { ...settings, publish: "success" };
    report({ path: ["publish"], message: `'${raw.publish}' is not a publish setting`, hint: "write publish: auto, or publish: {when: success|always|covered}" });
    return settings;
  }
  const when = raw.publish.when;
  if (!(PUBLISH_WHEN as readonly string[]).includes(when)) {
    report({ path: ["publish", "when"], message: `'${when}' is not a publish condition`, hint: `use one of ${PUBLISH_WHEN.join(", ")}` });
    return settings;
  }
  return { ...settings, publish: when as ReleaseSettings["publish"] & string };
}

function isWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith("/") ? outer : `${outer}/`);
}
