// Points the stage back at an earlier generation, in one atomic symlink swap. Newer generations stay,
// so a rollback can itself be undone with another `stage rollback gen-N`. The stage is then held
// (src/stage/hold.ts): no run upgrades it again until `binpkgbot stage resume`.
import { replaceSymlink } from "../io/atomic-file.js";
import { writeHold } from "./hold.js";
import { linkTarget, readCurrent, readGenerations, type StageLayout } from "./layout.js";
import { StageError } from "./transaction.js";

export async function rollbackStage(layout: StageLayout, now: Date, target?: string): Promise<{ from: string; to: string }> {
  const current = await readCurrent(layout);
  if (current.kind !== "generation") {
    throw new StageError(`${layout.stage} has no generations yet: a successful persisting task (an upgrade) makes the first one`);
  }
  const generations = await readGenerations(layout);
  const currentNumber = generations.find((generation) => generation.name === current.name)?.number ?? Infinity;
  const chosen = target === undefined
    ? generations.filter((generation) => generation.number < currentNumber).at(-1)
    : generations.find((generation) => generation.name === target || String(generation.number) === target);
  if (!chosen) {
    const known = generations.map((generation) => generation.name).join(", ");
    throw new StageError(target === undefined
      ? `${current.name} is the oldest generation kept: there is nothing older to roll back to (generations: ${known})`
      : `no generation '${target}' in ${layout.generationsDir}: choose one of ${known} (binpkgbot stage list)`);
  }
  if (chosen.name === current.name) throw new StageError(`the stage is at ${chosen.name} already`);
  // Held first: a crash between the two leaves a hold on the old generation, never an unheld rollback.
  await writeHold(layout, { since: now.toISOString(), generation: chosen.name, from: current.name });
  await replaceSymlink(layout.stage, linkTarget(layout, chosen.name));
  return { from: current.name, to: chosen.name };
}
