// The snapshots throw-away steps run in: nspawn's --ephemeral copies beside the stage, and on btrfs
// binpkgbot's own in STAGE.failed/ (src/stage/kept-failed.ts).
import { findLeftoverSnapshots } from "../../../src/container/leftovers.js";
import { findRunningSnapshots } from "../../../src/stage/kept-failed.js";
import { stageLayout } from "../../../src/stage/layout.js";

export async function findThrowAwaySnapshots(stage: string): Promise<string[]> {
  return [...await findLeftoverSnapshots(stage), ...await findRunningSnapshots(stageLayout(stage))];
}
