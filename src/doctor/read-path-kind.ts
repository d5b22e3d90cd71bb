// What is at a path, following symlinks, for every doctor fact about a host path (and a bind's source).
import { lstat, stat } from "node:fs/promises";
import type { PathKind } from "./facts.js";

export async function readKind(path: string): Promise<PathKind> {
  const link = await lstat(path).catch(() => null);
  if (link === null) return "missing";
  const target = await stat(path).catch((error: NodeJS.ErrnoException) => error);
  if (target instanceof Error) return target.code === "ELOOP" ? "symlink-loop" : "dangling-symlink";
  return target.isDirectory() ? "directory" : "not-directory";
}
