// A step's log sent home by the worker that ran it: only to RUN/TASK.log under the target's logs
// directory, written whole or not at all.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { TransferError } from "../../../src/fleet/transfer/btrfs-stream.js";
import { receiveStepLog } from "../../../src/fleet/transfer/log-upload.js";
import { parseTransferRoute } from "../../../src/fleet/transfer/transfer-routes.js";

const RUN = "20261202T142700123Z-4242";

test("the log route takes PUT of a run id and a task id's .log, nothing else", () => {
  assert.deepEqual(parseTransferRoute("PUT", `/fleet/amd64/logs/${RUN}/install-app-misc-hello.log`), { ok: true, route: { kind: "upload-log", target: "amd64", run: RUN, task: "install-app-misc-hello" } });
  const status = (method: string, url: string): number => { const result = parseTransferRoute(method, url); return result.ok ? 200 : result.status; };
  assert.equal(status("GET", `/fleet/amd64/logs/${RUN}/left.log`), 405);
  for (const bad of [`../${RUN}/left.log`, `${RUN}/..%2Fleft.log`, `${RUN}/.left.log`, `${RUN}/left.txt`, `${RUN}/left.log/more`, "2026/left.log", `${RUN}/left.portage%2Fbuild.log`]) {
    assert.notEqual(status("PUT", `/fleet/amd64/logs/${bad}`), 200, bad);
  }
});

test("a log lands whole as RUN/TASK.log, replacing the one there; one cut off leaves the old one and no temporary file", async (t) => {
  const logs = await mkdtemp(path.join(tmpdir(), "binpkgbot-logs-"));
  t.after(() => rm(logs, { recursive: true, force: true }));
  const written = await receiveStepLog(logs, RUN, "left", Readable.from([Buffer.from("line 1\n"), Buffer.from("line 2\n")]), 1 << 20);
  assert.deepEqual(written, { path: path.join(logs, RUN, "left.log"), size: 14 });
  assert.equal(await readFile(written.path, "utf8"), "line 1\nline 2\n");
  const cut = Object.assign(Readable.from([Buffer.from("half")]), { complete: false });
  await assert.rejects(receiveStepLog(logs, RUN, "left", cut, 1 << 20), (error: unknown) => error instanceof TransferError && error.status === 400 && /cut off/.test(error.message));
  await assert.rejects(receiveStepLog(logs, RUN, "left", Readable.from([Buffer.alloc(2048)]), 1024), (error: unknown) => error instanceof TransferError && error.status === 413);
  assert.equal(await readFile(written.path, "utf8"), "line 1\nline 2\n", "the log there stays");
  assert.deepEqual(await readdir(path.join(logs, RUN)), ["left.log"]);
  await mkdir(path.join(logs, "elsewhere"));
  await writeFile(path.join(logs, "elsewhere", "x"), "");
  await assert.rejects(receiveStepLog(logs, "..", "elsewhere", Readable.from([Buffer.from("x")]), 1024), TransferError, "never outside the logs directory");
});
