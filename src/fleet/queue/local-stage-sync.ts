// StageSync on one host: coordinator and workers share the target's stage and PKGDIR, so a generation
// is present when it is the stage's current one, a persisting step's commit already made its generation
// current, and a binpkg is home once it is in the target's PKGDIR and its Packages index. Each method
// checks that this is so, and throws where it is not (a worker on another host needs the transfer).
import { lstat } from "node:fs/promises";
import path from "node:path";
import { readStageGenerationId, stageLayout } from "../../stage/layout.js";
import type { StageSync } from "../transfer/stage-sync.js";

/** Where a target's stage and PKGDIR are on this host. */
export type TargetPaths = (target: string) => { stage: string; pkgdir: string } | undefined;

/** The stage is not at the generation a job names: the job must not run on it. */
export class WrongGenerationError extends Error {
  override readonly name = "WrongGenerationError";
}

export function localStageSync(paths: TargetPaths): StageSync {
  const known = (target: string): { stage: string; pkgdir: string } => {
    const found = paths(target);
    if (!found) throw new Error(`target ${target} is not known to this worker: start the coordinator of its fleet first`);
    return found;
  };
  const requireCurrent = async (target: string, generation: string, what: string): Promise<string> => {
    const { stage } = known(target);
    const current = await readStageGenerationId(stageLayout(stage));
    if (current !== generation) {
      throw new WrongGenerationError(`target ${target}: the stage ${stage} is at generation ${current}, ${what} ${generation}; the coordinator plans again on its next run`);
    }
    return stage;
  };
  return {
    ensureGeneration: (target, generation) => requireCurrent(target, generation, "the job was planned on"),
    async pushGeneration(target, _parent, generation) {
      await requireCurrent(target, generation, "the step should have made");
    },
    // The log is already where the coordinator's run records it.
    uploadLog: async () => undefined,
    async uploadBinpkgs(target, pkgdir, relativePaths) {
      const home = known(target).pkgdir;
      if (path.resolve(pkgdir) !== path.resolve(home)) throw new Error(`target ${target}: the job built into ${pkgdir}, not the target's PKGDIR ${home}; one host needs no upload`);
      for (const relative of relativePaths) {
        const file = path.resolve(home, relative);
        if (!file.startsWith(`${path.resolve(home)}${path.sep}`)) throw new Error(`target ${target}: binpkg path ${relative} leaves PKGDIR ${home}`);
        if (!(await lstat(file).catch(() => null))?.isFile()) throw new Error(`target ${target}: binpkg ${relative} is in Packages but not a file in ${home}`);
      }
      return [...relativePaths];
    },
  };
}
