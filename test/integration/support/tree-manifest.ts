// A manifest of a directory tree (paths, types, modes, owners, sizes, content hashes, link targets),
// to prove a tree was left byte-identical.
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";

export async function treeManifest(root: string, skip: (relative: string) => boolean = () => false): Promise<string> {
  const lines: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const full = path.join(dir, name);
      const relative = path.relative(root, full);
      if (skip(relative)) continue;
      const info = await lstat(full);
      let detail = "";
      if (info.isSymbolicLink()) detail = `-> ${await readlink(full)}`;
      else if (info.isFile()) detail = createHash("sha256").update(await readFile(full)).digest("hex");
      lines.push(`${relative} ${info.mode.toString(8)} ${info.uid}:${info.gid} ${info.isFile() ? info.size : ""} ${detail}`);
      if (info.isDirectory()) await walk(full);
    }
  }
  await walk(root);
  return lines.join("\n");
}
