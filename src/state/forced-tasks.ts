// Tasks forced on the next run from outside it (the dashboard's "force this task"): requests in the
// state directory, because the dashboard may be another process (`binpkgbot dashboard` beside a run
// from a timer) than the run that takes them. The run takes them once, under the stage lock
// (src/engine/perform-run.ts); the daemon's tick looks at them to run although nothing changed.
// One file per task (named by a hash of its id, holding the id): asking creates a file, taking removes
// exactly the files it read, so a request made while a run takes the others is never lost, and two
// requests at once never overwrite each other. No lock is needed between the processes.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, unlink } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../io/atomic-file.js";

const REQUESTS_DIR = "force-requests";
const REQUEST_NAME = /^[0-9a-f]{32}$/;
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9@._+:/-]{0,199}$/;

/** A task id as a request keeps it; anything else in the request directory is ignored. */
export function isForcedTaskId(task: string): boolean {
  return TASK_ID.test(task);
}

function requestsDir(stateDir: string): string {
  return path.join(stateDir, REQUESTS_DIR);
}

interface Request {
  file: string;
  task: string | null;
}

async function readRequests(stateDir: string): Promise<Request[]> {
  const dir = requestsDir(stateDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  const requests: Request[] = [];
  for (const name of names.filter((entry) => REQUEST_NAME.test(entry)).sort()) {
    const file = path.join(dir, name);
    const text = await readFile(file, "utf8").catch(() => null);
    if (text === null) continue;
    const task = text.trim();
    requests.push({ file, task: isForcedTaskId(task) ? task : null });
  }
  return requests;
}

function tasksOf(requests: readonly Request[]): string[] {
  return [...new Set(requests.flatMap((request) => (request.task === null ? [] : [request.task])))].sort();
}

/** The tasks the next run builds whatever their fingerprint says, sorted; none when nothing was asked for. */
export async function readForcedTasks(stateDir: string): Promise<string[]> {
  return tasksOf(await readRequests(stateDir));
}

/** Adds `task` (checked with isForcedTaskId by the caller) to the tasks the next run forces. */
export async function requestForcedTask(stateDir: string, task: string): Promise<void> {
  const dir = requestsDir(stateDir);
  await mkdir(dir, { recursive: true });
  const name = createHash("sha256").update(task).digest("hex").slice(0, 32);
  await writeFileAtomic(path.join(dir, name), `${task}\n`);
}

/** The forced tasks, their requests removed (only those read: a request made meanwhile waits for the next run). */
export async function takeForcedTasks(stateDir: string): Promise<string[]> {
  const requests = await readRequests(stateDir);
  for (const request of requests) await unlink(request.file).catch(() => undefined);
  return tasksOf(requests);
}
