// Finding a running systemd-nspawn by its machine name, for tests that kill it hard.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

export async function findNspawnPid(machine: string): Promise<number | null> {
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = (await readFile(join("/proc", entry, "comm"), "utf8").catch(() => "")).trim();
    if (comm !== "systemd-nspawn") continue;
    const argv = (await readFile(join("/proc", entry, "cmdline"), "utf8").catch(() => "")).split("\0");
    if (argv.includes(`--machine=${machine}`)) return Number(entry);
  }
  return null;
}

/** Polls until `check` returns a value other than null/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
