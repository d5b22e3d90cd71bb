// Temp directories and sample records shared by the state tests.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after } from "node:test";
import type { TaskStart } from "../../../src/state/tasks.js";

/** A fresh directory, removed when the test file ends. */
export function tempStateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "binpkgbot-state-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const T0 = new Date("2026-11-26T03:15:00Z");

export function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

export function runStart(seconds = 0): { startedAt: Date; trigger: "manual"; configFile: string; configHash: string } {
  return { startedAt: at(seconds), trigger: "manual", configFile: "/etc/binpkgbot/binpkgbot.yml", configHash: "c0ffee" };
}

export function taskStart(runId: number, id: string, fingerprint: string | null, seconds = 0): TaskStart {
  return {
    runId,
    task: { id, kind: "install", title: `install ${id}` },
    fingerprint,
    startedAt: at(seconds),
    logPath: `/var/lib/binpkgbot/logs/${runId}/${id}.log`,
  };
}
