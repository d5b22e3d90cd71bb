// The notifier's memory on disk, <state_dir>/notify.json, so that a restart neither repeats a message
// nor misses a recovery.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { emptyMemory, type NotifyMemory } from "./transitions.js";

export const NOTIFY_STATE_NAME = "notify.json";

/** The memory, or an empty one if there is no file yet or it is damaged (the worst is one repeated message). */
export async function readNotifyMemory(stateDir: string): Promise<NotifyMemory> {
  const text = await readFile(path.join(stateDir, NOTIFY_STATE_NAME), "utf8").catch(() => null);
  if (text === null) return emptyMemory();
  try {
    const parsed = JSON.parse(text) as Partial<NotifyMemory>;
    return { tasks: { ...parsed.tasks }, servers: { ...parsed.servers }, problems: { ...parsed.problems } };
  } catch {
    return emptyMemory();
  }
}

export async function writeNotifyMemory(stateDir: string, memory: NotifyMemory): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, NOTIFY_STATE_NAME);
  await writeFile(`${file}.tmp`, `${JSON.stringify(memory, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
