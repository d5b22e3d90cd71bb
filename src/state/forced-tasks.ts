// Tasks forced on the next run from outside it (the dashboard's "force this task"): a small request
// file in the state directory, because the dashboard may be another process (`binpkgbot dashboard`
// beside a run from a timer) than the run that takes them. The run takes them once, under the stage
// lock (src/engine/perform-run.ts); the daemon's tick looks at them to run although nothing changed.
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../io/atomic-file.js";

const REQUESTS_FILE = "dashboard-requests.json";
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9@._+:/-]{0,199}$/;

/** A task id as the request file keeps it; anything else in the file is ignored. */
export function isForcedTaskId(task: string): boolean {
  return TASK_ID.test(task);
}

function requestsFile(stateDir: string): string {
  return path.join(stateDir, REQUESTS_FILE);
}

/** The tasks the next run builds whatever their fingerprint says; none when there is no request file. */
export async function readForcedTasks(stateDir: string): Promise<string[]> {
  try {
    const parsed = JSON.parse(await readFile(requestsFile(stateDir), "utf8")) as { force?: unknown };
    return Array.isArray(parsed.force) ? parsed.force.filter((task): task is string => typeof task === "string" && isForcedTaskId(task)) : [];
  } catch {
    return [];
  }
}

/** Adds `task` (checked with isForcedTaskId by the caller) to the tasks the next run forces. */
export async function requestForcedTask(stateDir: string, task: string): Promise<void> {
  const force = await readForcedTasks(stateDir);
  if (!force.includes(task)) force.push(task);
  await mkdir(stateDir, { recursive: true });
  await writeFileAtomic(requestsFile(stateDir), `${JSON.stringify({ force })}\n`);
}

/** The forced tasks, removed from the request file: a run calls it once it starts. */
export async function takeForcedTasks(stateDir: string): Promise<string[]> {
  const force = await readForcedTasks(stateDir);
  if (force.length > 0) await writeFileAtomic(requestsFile(stateDir), `${JSON.stringify({ force: [] })}\n`);
  return force;
}
