// A step's log, sent by the worker that ran it, lands where the coordinator's run records it
// (STATE_DIR/logs/RUN/TASK.log), so that `binpkgbot log TASK`, the dashboard and notifications on the
// coordinator show it as on one host. Written under a hidden temporary name, flushed, then renamed:
// a log cut off midway never replaces one, and nothing outside the logs directory is ever written.
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { TransferError } from "./btrfs-stream.js";

export async function receiveStepLog(logsDir: string, run: string, task: string, body: Readable, maxBytes: number): Promise<{ path: string; size: number }> {
  const dir = path.join(logsDir, run);
  const file = path.join(dir, `${task}.log`);
  // The route allows only a run id and a task id (transfer-routes.ts); checked again here.
  if (path.dirname(file) !== dir || path.dirname(dir) !== path.resolve(logsDir)) throw new TransferError(`${run}/${task}.log is not a log of ${logsDir}`, 400);
  await mkdir(dir, { recursive: true });
  const temporary = path.join(dir, `.${task}.log.upload-${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", 0o644);
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      size += bytes.length;
      if (size > maxBytes) throw new TransferError(`the log ${task}.log is larger than ${maxBytes} bytes: refused`, 413);
      await handle.write(bytes);
    }
    // An HTTP request that ended before its body did is not the whole log.
    if ((body as { complete?: boolean }).complete === false) throw new TransferError(`the log ${task}.log was cut off`, 400);
    await handle.sync();
    await handle.close();
    await rename(temporary, file);
    return { path: file, size };
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}
