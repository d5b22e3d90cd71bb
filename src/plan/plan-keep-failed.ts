// Whether a throw-away step keeps its container when it fails (keep_failed). Pure: config and host facts in.
import type { Config } from "../config/config.js";
import { stageLayout } from "../stage/layout-paths.js";
import type { KeepFailed, PlanHostFacts, Step } from "./plan.js";

/**
 * Only on btrfs: there binpkgbot snapshots the stage itself and can keep the snapshot; elsewhere nspawn's
 * --ephemeral copy is all there is, and nspawn removes it on exit.
 */
export function planKeepFailed(config: Config, host: PlanHostFacts): KeepFailed | null {
  if (config.keepFailed === 0 || host.stageFilesystem !== "btrfs") return null;
  return { stage: config.stage, dir: stageLayout(config.stage).keptFailedDir, keep: config.keepFailed };
}

/** One line for the run where keep_failed asks for something the stage's filesystem cannot give. */
export function renderKeepFailedNotice(config: Config, host: PlanHostFacts, steps: readonly Step[]): string | null {
  if (config.keepFailed === 0 || host.stageFilesystem === "btrfs") return null;
  if (!steps.some((step) => step.kind === "container" && !step.persist && step.task.kind !== "sync")) return null;
  return `${config.stage} is on ${host.stageFilesystem ?? "an unknown filesystem"}, not btrfs: a failed throw-away task's container is not kept for inspection (keep_failed); move the stage to a btrfs subvolume to keep them`;
}
