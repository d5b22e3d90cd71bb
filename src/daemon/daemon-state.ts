// What the daemon remembers across restarts, <state_dir>/daemon.json: the change key of its last
// completed task run, so that a restart does not run the tasks again when nothing changed.
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export const DAEMON_STATE_NAME = "daemon.json";

export interface DaemonState {
  /** computeChangeKey() when the last task run completed; null before the first. */
  changeKey: string | null;
  /** When that run ended, ISO 8601. */
  completedAt: string | null;
}

export async function readDaemonState(stateDir: string): Promise<DaemonState> {
  const text = await readFile(path.join(stateDir, DAEMON_STATE_NAME), "utf8").catch(() => null);
  try {
    const parsed = text === null ? {} : (JSON.parse(text) as Partial<DaemonState>);
    return { changeKey: typeof parsed.changeKey === "string" ? parsed.changeKey : null, completedAt: parsed.completedAt ?? null };
  } catch {
    // A damaged file costs one task run whose unchanged tasks are skipped by fingerprint anyway.
    return { changeKey: null, completedAt: null };
  }
}

export async function writeDaemonState(stateDir: string, state: DaemonState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, DAEMON_STATE_NAME);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
}
