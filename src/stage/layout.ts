// The stage's generations on disk. The configured stage path is either a plain directory (a stage that
// no persisting task has changed yet) or a symlink to `<stage>.generations/gen-N`, one complete stage
// per btrfs subvolume. Persisting tasks run on `next`; a failed one is kept as `failed` until the next run.
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { metaFile, type StageLayout } from "./layout-paths.js";

export { generationName, linkTarget, metaFile, stageLayout, type StageLayout } from "./layout-paths.js";

export interface GenerationMeta {
  created: string;
  /** The task that made this generation, or "adopted" for the stage as it was before binpkgbot changed it. */
  task: string;
  run?: string;
}

export interface Generation {
  name: string;
  number: number;
  path: string;
  meta: GenerationMeta | null;
}

const GENERATION = /^gen-(\d+)$/;

export async function readMeta(file: string): Promise<GenerationMeta | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as GenerationMeta;
  } catch {
    return null;
  }
}

export async function exists(file: string): Promise<boolean> {
  return lstat(file).then(() => true, () => false);
}

/** Generations, oldest first. */
export async function readGenerations(layout: StageLayout): Promise<Generation[]> {
  const names = await readdir(layout.generationsDir).catch(() => [] as string[]);
  const generations: Generation[] = [];
  for (const name of names) {
    const match = GENERATION.exec(name);
    if (!match) continue;
    generations.push({ name, number: Number(match[1]), path: path.join(layout.generationsDir, name), meta: await readMeta(metaFile(layout, name)) });
  }
  return generations.sort((a, b) => a.number - b.number);
}

export type CurrentStage =
  | { kind: "generation"; name: string; path: string }
  | { kind: "plain"; path: string }
  | { kind: "missing" };

/** What the stage path holds now. */
export async function readCurrent(layout: StageLayout): Promise<CurrentStage> {
  const info = await lstat(layout.stage).catch(() => null);
  if (!info) return { kind: "missing" };
  if (!info.isSymbolicLink()) return { kind: "plain", path: layout.stage };
  const target = await readlink(layout.stage);
  const resolved = path.resolve(path.dirname(layout.stage), target);
  return { kind: "generation", name: path.basename(resolved), path: resolved };
}

/** An id of the stage's content that changes whenever a persisting task changes it (for fingerprints). */
export async function readStageGenerationId(layout: StageLayout): Promise<string> {
  const current = await readCurrent(layout);
  switch (current.kind) {
    case "generation":
      return current.name;
    case "plain":
      return "plain";
    case "missing":
      return "missing";
    default: {
      const never: never = current;
      throw new Error(`unhandled stage ${JSON.stringify(never)}`);
    }
  }
}
