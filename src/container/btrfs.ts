// btrfs subvolumes and snapshots through btrfs-progs (btrfs-subvolume(8)).
import { dirname } from "node:path";
import { ExecError, type Exec, type ExecResult } from "../exec/exec.js";

export type BtrfsOperation = "create" | "snapshot" | "delete" | "list" | "property";

/** A btrfs command failed; the message names the path and what to do about it. */
export class BtrfsError extends Error {
  override readonly name = "BtrfsError";
  constructor(
    message: string,
    readonly operation: BtrfsOperation,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export async function createSubvolume(exec: Exec, path: string): Promise<void> {
  await runBtrfs(exec, ["btrfs", "subvolume", "create", path], "create", path,
    `check that ${dirname(path)} is on btrfs and ${path} does not exist yet`);
}

/** A snapshot of `source` at `dest`; `readonly` makes it immutable (btrfs-subvolume(8) -r). */
export async function createSnapshot(
  exec: Exec,
  source: string,
  dest: string,
  options: { readonly?: boolean } = {},
): Promise<void> {
  const argv = ["btrfs", "subvolume", "snapshot", ...(options.readonly ? ["-r"] : []), source, dest];
  await runBtrfs(exec, argv, "snapshot", source,
    `check that ${source} is a btrfs subvolume, that ${dest} does not exist and is on the same filesystem`);
}

/**
 * Makes a subvolume read-only (btrfs-property(8): `ro` of type subvol). A read-only subvolume can
 * still be deleted, but no longer renamed: move it first.
 */
export async function setReadOnly(exec: Exec, path: string): Promise<void> {
  await runBtrfs(exec, ["btrfs", "property", "set", "-ts", path, "ro", "true"], "property", path,
    `check that ${path} is a btrfs subvolume`);
}

/**
 * Deletes a subvolume and every subvolume nested in it, deepest first: btrfs refuses to
 * delete a subvolume that still contains others ("Directory not empty"). Nested ones are rare (every
 * throw-away step deletes a snapshot): they are looked for only when the delete failed, which saves a
 * step two btrfs processes.
 */
export async function deleteSubvolume(exec: Exec, path: string): Promise<void> {
  const remove = (): Promise<ExecResult> => runBtrfs(exec, ["btrfs", "subvolume", "delete", path], "delete", path,
    `if a container still uses it, stop it first (ps -ef | grep systemd-nspawn), then run: btrfs subvolume delete ${path}`);
  try {
    await remove();
  } catch (error) {
    // Whatever the message's language: without nested subvolumes, the failure stands as it is.
    const children = await listChildSubvolumes(exec, path).catch(() => []);
    if (children.length === 0) throw error;
    for (const child of children) await deleteSubvolume(exec, child);
    await remove();
  }
}

/** Absolute paths of the subvolumes directly below `path`. */
export async function listChildSubvolumes(exec: Exec, path: string): Promise<string[]> {
  const hint = `check that ${path} is a btrfs subvolume`;
  // Both commands print paths relative to the filesystem's top level, whatever is mounted where.
  const shown = await runBtrfs(exec, ["btrfs", "subvolume", "show", path], "list", path, hint);
  const listed = await runBtrfs(exec, ["btrfs", "subvolume", "list", "-o", path], "list", path, hint);
  return parseChildSubvolumes(path, shown.stdout, listed.stdout);
}

/** Maps `btrfs subvolume list -o` lines onto absolute paths below `path`. */
export function parseChildSubvolumes(path: string, showOutput: string, listOutput: string): string[] {
  const first = showOutput.split("\n")[0]?.trim() ?? "";
  // The top-level subvolume is shown as "/" (or "<FS_TREE>" in older btrfs-progs).
  const ownRelative = first === "/" || first === "<FS_TREE>" ? "" : first.replace(/^\/+/, "");
  const children: string[] = [];
  for (const line of listOutput.split("\n")) {
    const match = / path (.+)$/.exec(line);
    if (match?.[1] === undefined) continue;
    const relative = match[1].replace(/^<FS_TREE>\//, "");
    const suffix = ownRelative === "" ? relative : relative.slice(ownRelative.length + 1);
    if (ownRelative !== "" && !relative.startsWith(`${ownRelative}/`)) continue;
    children.push(`${path.replace(/\/+$/, "")}/${suffix}`);
  }
  return children;
}

async function runBtrfs(
  exec: Exec,
  argv: string[],
  operation: BtrfsOperation,
  path: string,
  fix: string,
): Promise<ExecResult> {
  let result: ExecResult;
  try {
    result = await exec.run(argv);
  } catch (error) {
    throw new BtrfsError(`cannot run btrfs for ${path}: install btrfs-progs`, operation, path, { cause: error });
  }
  if (result.code !== 0) {
    const detail = result.stderr.trim().split("\n").filter(Boolean).slice(-1)[0] ?? `exit ${result.code}`;
    const cause = new ExecError(`${argv.join(" ")} failed: ${detail}`, argv, result);
    const command = operation === "property" ? "property set" : `subvolume ${operation}`;
    throw new BtrfsError(`btrfs ${command} failed for ${path}: ${detail}; ${fix}`, operation, path, { cause });
  }
  return result;
}
