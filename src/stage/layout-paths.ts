// Where a stage's generations live. Pure: paths only (the planner uses it).
import path from "node:path";

export interface StageLayout {
  stage: string;
  generationsDir: string;
  next: string;
  failed: string;
  journal: string;
  /** Failed throw-away containers kept for inspection (src/stage/kept-failed.ts). */
  keptFailedDir: string;
}

export function stageLayout(stage: string): StageLayout {
  const generationsDir = `${stage}.generations`;
  return {
    stage,
    generationsDir,
    next: path.join(generationsDir, "next"),
    failed: path.join(generationsDir, "failed"),
    journal: path.join(generationsDir, "journal.json"),
    keptFailedDir: `${stage}.failed`,
  };
}

export function generationName(number: number): string {
  return `gen-${number}`;
}

export function metaFile(layout: StageLayout, name: string): string {
  return path.join(layout.generationsDir, `${name}.json`);
}

/** The symlink's target, relative, so that the stage and its generations can move together. */
export function linkTarget(layout: StageLayout, name: string): string {
  return path.join(path.basename(layout.generationsDir), name);
}
