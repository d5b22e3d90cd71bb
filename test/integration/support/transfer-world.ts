// A coordinator with one target (a stage at gen-1, a PKGDIR) serving the transfer routes on loopback,
// and worker stores beside it, all on the test's btrfs filesystem.
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { createSubvolume } from "../../../src/container/btrfs.js";
import { nodeExec, runChecked } from "../../../src/exec/exec.js";
import type { TransferTarget } from "../../../src/fleet/transfer/coordinator-stages.js";
import { createHttpStageSync, type StageSync } from "../../../src/fleet/transfer/stage-sync.js";
import { createTransferHandler, type TransferHandler } from "../../../src/fleet/transfer/transfer-handler.js";
import { startTransferServer, type TransferServer } from "../../../src/fleet/transfer/transfer-server.js";

export interface TransferWorld {
  root: string;
  target: TransferTarget;
  token: string;
  server: TransferServer;
  /** A worker whose store is `name` under `parent` (default: beside the coordinator, on its filesystem). */
  worker(name: string, parent?: string): Promise<StageSync & { store: string }>;
  close(): Promise<void>;
}

/** `megabytes` of random data in gen-1, so that a full send is measurably larger than an incremental one. */
export async function createTransferWorld(
  dir: string, megabytes = 4, wrap = (handler: TransferHandler) => handler, tls?: { certFile: string; keyFile: string },
): Promise<TransferWorld> {
  const root = await mkdtemp(path.join(dir, "transfer-"));
  const generations = path.join(root, "coordinator", "stage.generations");
  await mkdir(generations, { recursive: true });
  await createSubvolume(nodeExec, path.join(generations, "gen-1"));
  await mkdir(path.join(generations, "gen-1", "etc"));
  await writeFile(path.join(generations, "gen-1", "etc", "os-release"), "ID=gentoo\n");
  await runChecked(nodeExec, ["dd", "if=/dev/urandom", `of=${path.join(generations, "gen-1", "payload")}`, "bs=1M", `count=${megabytes}`, "status=none"]);
  await symlink("stage.generations/gen-1", path.join(root, "coordinator", "stage"));
  const pkgdir = path.join(root, "coordinator", "packages");
  await mkdir(pkgdir);
  const target: TransferTarget = { name: "amd64-server", stage: path.join(root, "coordinator", "stage"), pkgdir, stageGenerations: 3 };
  const token = randomBytes(32).toString("hex");
  const server = await startTransferServer({ handler: wrap(createTransferHandler({ targets: [target], token })), host: "127.0.0.1", port: 0, ...(tls ? { tls } : {}) });
  return {
    root, target, token, server,
    async worker(name, parent = root) {
      const store = path.join(parent, name);
      await mkdir(store);
      const coordinator = { url: server.url, token, ...(tls ? { caFile: tls.certFile } : {}) };
      return { store, ...(await createHttpStageSync({ coordinator, store })) };
    },
    close: () => server.close(),
  };
}
