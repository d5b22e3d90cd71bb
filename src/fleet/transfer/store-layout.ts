// Pure: where a worker keeps its copy of a target, laid out under its store exactly like a stage and
// its PKGDIR on the coordinator (src/stage/layout-paths.ts), so the engine's step runner snapshots,
// commits and keeps failed containers there as it does on one host:
//   STORE/TARGET/stage               symlink to stage.generations/gen-N, the generation a job names
//   STORE/TARGET/stage.generations/  read-only generations received from (or pushed to) the coordinator
//   STORE/TARGET/stage.failed/       kept failed throw-away containers
//   STORE/TARGET/packages/           PKGDIR: the coordinator's binpkgs mirrored in, then what a step adds
//   STORE/TARGET/work/RUN/TASK/      a step's work files (etc_portage copy, scripts, job pool FIFO)
//   STORE/TARGET/logs/RUN/           a step's log and its /var/log/portage
import path from "node:path";
import { stageLayout } from "../../stage/layout-paths.js";

/** One target's copy on a worker. */
export interface TargetStore {
  root: string;
  stage: string;
  generationsDir: string;
  pkgdir: string;
  work: string;
  logs: string;
}

export function targetStore(store: string, target: string): TargetStore {
  const root = path.join(store, target);
  const stage = path.join(root, "stage");
  return { root, stage, generationsDir: stageLayout(stage).generationsDir, pkgdir: path.join(root, "packages"), work: path.join(root, "work"), logs: path.join(root, "logs") };
}
