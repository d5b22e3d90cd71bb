// What `btrfs subvolume show` says about a subvolume that matters for send and receive
// (btrfs-subvolume(8), btrfs-send(8), btrfs-receive(8)): its UUID, the UUID it was received as, and
// whether it is read-only. A receive sets the received UUID and then the read-only flag only when the
// stream ended well, so a half-received subvolume is writable and has no received UUID.
import { lstat } from "node:fs/promises";
import type { Exec } from "../../exec/exec.js";

export interface SubvolumeInfo {
  uuid: string;
  /** null when the subvolume was not made by `btrfs receive` ("-" in the output). */
  receivedUuid: string | null;
  readOnly: boolean;
}

/** Pure: the fields of `btrfs subvolume show PATH`, or null when the output has no UUID. */
export function parseSubvolumeShow(text: string): SubvolumeInfo | null {
  const field = (name: string): string | undefined => new RegExp(`^\\s*${name}:\\s*(\\S.*)$`, "m").exec(text)?.[1]?.trim();
  const uuid = field("UUID");
  if (uuid === undefined || uuid === "-") return null;
  const received = field("Received UUID");
  const flags = field("Flags") ?? "";
  return { uuid, receivedUuid: received === undefined || received === "-" ? null : received, readOnly: /\breadonly\b/.test(flags) };
}

/**
 * The same identity wherever a generation went: a send stream carries the received UUID of its
 * source where there is one (fs/btrfs/send.c send_subvol_begin), and each receiver records it as its
 * own received UUID, so every copy of one generation shares it.
 */
export function identityOf(info: SubvolumeInfo): string {
  return info.receivedUuid ?? info.uuid;
}

/** null when nothing is at `path`; a BtrfsError-like failure when something is but is no subvolume. */
export async function readSubvolumeInfo(exec: Exec, path: string): Promise<SubvolumeInfo | null> {
  if (!(await lstat(path).then(() => true, () => false))) return null;
  const result = await exec.run(["btrfs", "subvolume", "show", path]);
  const info = result.code === 0 ? parseSubvolumeShow(result.stdout) : null;
  if (info === null) {
    const detail = result.stderr.trim().split("\n").at(-1) ?? "";
    throw new Error(`${path} is not a btrfs subvolume (${detail || "btrfs subvolume show found no UUID"}): remove it, it is in binpkgbot's way`);
  }
  return info;
}

/** A complete copy of a generation: received whole (or made here and sent), then made read-only. */
export function isComplete(info: SubvolumeInfo | null): info is SubvolumeInfo {
  return info !== null && info.readOnly;
}
