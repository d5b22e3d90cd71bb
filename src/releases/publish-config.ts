// Publishing a config's PKGDIR: what `binpkgbot publish` and the end of a run call. Reads the
// repository's identity and the stage generation, publishes, then applies releases_keep.
import { stat } from "node:fs/promises";
import type { Config, ReleaseSettings } from "../config/config.js";
import type { Exec } from "../exec/exec.js";
import { readStageGenerationId, stageLayout } from "../stage/layout.js";
import { readRepoRevision } from "../state/read-inputs.js";
import type { PublishCrashPoint } from "./publish.js";
import { defaultReleasesDir, releasesLayout, type ReleasesLayout } from "./release-layout.js";
import { decidePublish, type Release, type RunResultForPublish } from "./release.js";

export interface PublishConfigDeps {
  exec: Exec;
  now: () => Date;
  crashPoint?: (name: PublishCrashPoint) => void;
}

/** Whether no declared server would compile (publish.when: covered); null: no servers are declared. */
export interface CoverageCheck {
  check(config: Config): Promise<{ covered: boolean; detail: string } | null>;
}

/** Until servers can be declared, none are: `covered` never publishes, and says why. */
export const NO_SERVERS: CoverageCheck = { check: async () => null };

export function releaseSettings(config: Config): ReleaseSettings {
  return config.releases ?? { dir: defaultReleasesDir(config.pkgdir), keep: 10, publish: null };
}

export function configReleasesLayout(config: Config): ReleasesLayout {
  return releasesLayout(releaseSettings(config).dir);
}

export async function publishConfig(config: Config, run: number | null, deps: PublishConfigDeps): Promise<{ release: Release; removed: number[] }> {
  const repository = await readRepoRevision(config.portageRepo, deps.exec).catch(() => null);
  const stageGeneration = await readStageGenerationId(stageLayout(config.stage));
  const layout = configReleasesLayout(config);
  const { applyRetention, publishRelease } = await import("./publish.js");
  const release = await publishRelease(layout, { pkgdir: config.pkgdir, repository, repositoryDir: config.portageRepo, stageGeneration, run }, deps);
  const removed = await applyRetention(layout, releaseSettings(config).keep, deps);
  return { release, removed };
}

/** After a run, under the stage lock: publishes as publish.when says. Never throws: says what happened. */
export async function publishAfterRun(
  config: Config, run: { result: RunResultForPublish; runId: number }, deps: PublishConfigDeps & { coverage?: CoverageCheck },
): Promise<{ notice?: string; warning?: string }> {
  const when = releaseSettings(config).publish;
  const decision = decidePublish(when, run.result);
  if (!decision.publish) return when === null ? {} : { notice: `not published: ${decision.reason}` };
  if (when === "covered") {
    const coverage = await (deps.coverage ?? NO_SERVERS).check(config);
    if (coverage === null) return { warning: `not published: publish.when: covered needs servers declared in ${config.file} (servers:); use publish: auto meanwhile` };
    if (!coverage.covered) return { notice: `not published: ${coverage.detail}` };
  }
  try {
    const { release, removed } = await publishConfig(config, run.runId, deps);
    const pruned = removed.length === 0 ? "" : `; removed release${removed.length === 1 ? "" : "s"} ${removed.join(", ")} (releases_keep)`;
    return { notice: `published release ${release.number} (${release.meta.binpkgs} binpkgs, ${release.meta.snapshot}): ${release.path}${pruned}` };
  } catch (error) {
    return { warning: (error as Error).message };
  }
}

/** At start: finishes or undoes a publish a crash interrupted. */
export async function recoverConfigReleases(config: Config, deps: PublishConfigDeps): Promise<string[]> {
  const layout = configReleasesLayout(config);
  // Most configs never publish: without a releases directory there is nothing to recover, and every
  // run's start would load the release code for nothing.
  if (!(await stat(layout.dir).catch(() => null))) return [];
  const { recoverReleases } = await import("./publish.js");
  return recoverReleases(layout, deps);
}
