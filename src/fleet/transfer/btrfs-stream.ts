// `btrfs send` into a byte stream and `btrfs receive` from one (btrfs-send(8), btrfs-receive(8)).
// Sources must be read-only subvolumes; `-p PARENT` sends only what differs from PARENT, which the
// receiving side must hold (found there by its received UUID or UUID).
import type { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { failureDetail, startPipedChild } from "../../exec/piped-child.js";

/** A send or receive failed; `status` is the HTTP status that tells the other side. */
export class TransferError extends Error {
  override readonly name = "TransferError";
  constructor(message: string, readonly status = 500, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function sendArgv(source: string, parent: string | null): string[] {
  return ["btrfs", "send", "-q", ...(parent === null ? [] : ["-p", parent]), source];
}

/** Streams `btrfs send` of `source` into `output`; rejects when btrfs fails or the output breaks. */
export async function sendSubvolume(source: string, parent: string | null, output: Writable): Promise<void> {
  const child = startPipedChild(sendArgv(source, parent));
  child.stdin.end();
  const piped = pipeline(child.stdout, output).catch((error: unknown) => {
    child.kill();
    return error;
  });
  const [result, pipeError] = await Promise.all([child.done, piped]);
  if (result.code !== 0) throw new TransferError(`btrfs send of ${source} failed: ${failureDetail(result)}`);
  if (pipeError) throw new TransferError(`sending ${source} stopped: ${(pipeError as Error).message}`, 500, { cause: pipeError });
}

/**
 * Receives one subvolume from `input` into `dir`; returns its name (btrfs receive says "At subvol
 * NAME" or "At snapshot NAME"). A stream that is cut off makes btrfs fail: the caller deletes what it
 * left, which is writable and has no received UUID.
 */
export async function receiveSubvolume(input: Readable, dir: string): Promise<{ name: string | null }> {
  const child = startPipedChild(["btrfs", "receive", dir]);
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    if (stdout.length < 64 * 1024) stdout += text;
  });
  const piped = pipeline(input, child.stdin).catch((error: unknown) => {
    child.kill();
    return error;
  });
  const [result, pipeError] = await Promise.all([child.done, piped]);
  const name = receivedName(`${stdout}\n${result.stderr}`);
  if (pipeError) throw new TransferError(`the stream into ${dir} was cut off: ${(pipeError as Error).message}`, 400, { cause: pipeError });
  if (result.code !== 0) throw new TransferError(`btrfs receive into ${dir} failed: ${failureDetail(result)}`, 400);
  return { name };
}

/** Pure: the subvolume name from btrfs receive's "At subvol NAME" / "At snapshot NAME" line. */
export function receivedName(output: string): string | null {
  return /^At (?:subvol|snapshot) (.+)$/m.exec(output)?.[1]?.trim() ?? null;
}
