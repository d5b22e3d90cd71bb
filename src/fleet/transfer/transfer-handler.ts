// The coordinator's transfer endpoints, as a Node http handler that `binpkgbot coordinator` mounts
// beside its other routes: it answers paths under /fleet/ and leaves every other request alone.
import type http from "node:http";
import { nodeExec, type Exec } from "../../exec/exec.js";
import { sendPkgdirFile } from "./binpkg-read.js";
import { addUploadedBinpkg } from "./binpkg-upload.js";
import { receiveStepLog } from "./log-upload.js";
import { TransferError } from "./btrfs-stream.js";
import { listGenerations, planSend, receiveGeneration, sendGeneration, type TransferTarget } from "./coordinator-stages.js";
import { isAuthorized } from "./transfer-token.js";
import { ENTRY_LENGTH_HEADER, FLEET_PREFIX, HAVE_HEADER, INDEX_NAME, parseHaveHeader, parseTransferRoute, TASK_HEADER, type TransferRoute } from "./transfer-routes.js";

export interface TransferHandlerOptions {
  targets: readonly TransferTarget[];
  /** The bearer token every request must carry (readTransferToken). */
  token: string;
  exec?: Exec;
  now?: () => Date;
  /** The largest binpkg accepted (default 8 GiB). */
  maxBinpkgBytes?: number;
  /** The interpreter that holds Portage's index lock (default python3). */
  python?: string;
}

/** Resolves true when it answered the request (a path under /fleet/), false to let another route have it. */
export type TransferHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<boolean>;

export const PARENT_HEADER = "x-binpkgbot-parent";

export function createTransferHandler(options: TransferHandlerOptions): TransferHandler {
  const targets = new Map(options.targets.map((target) => [target.name, target]));
  const deps = { exec: options.exec ?? nodeExec, now: options.now ?? (() => new Date()) };
  return async (req, res) => {
    if (!(req.url ?? "").startsWith(FLEET_PREFIX)) return false;
    if (!isAuthorized(req, options.token)) {
      res.setHeader("www-authenticate", "Bearer");
      fail(req, res, 401, "a valid bearer token is needed: the worker's token file must hold the coordinator's token");
      return true;
    }
    const parsed = parseTransferRoute(req.method ?? "GET", req.url ?? "/");
    if (!parsed.ok) return fail(req, res, parsed.status, parsed.message), true;
    const target = targets.get(parsed.route.target);
    if (!target) return fail(req, res, 404, `no target '${parsed.route.target}' in the coordinator's fleet: known are ${[...targets.keys()].join(", ")}`), true;
    try {
      await answer(parsed.route, target, req, res, deps, options);
    } catch (error) {
      const status = error instanceof TransferError ? error.status : 500;
      if (res.headersSent) res.destroy(error as Error);
      else fail(req, res, status, (error as Error).message);
    }
    return true;
  };
}

async function answer(
  route: TransferRoute, target: TransferTarget, req: http.IncomingMessage, res: http.ServerResponse,
  deps: { exec: Exec; now: () => Date }, options: TransferHandlerOptions,
): Promise<void> {
  switch (route.kind) {
    case "list-generations":
      return json(res, 200, await listGenerations(target, deps));
    case "send-generation": {
      const plan = await planSend(target, route.generation, parseHaveHeader(header(req, HAVE_HEADER)), deps);
      res.writeHead(200, { "content-type": "application/octet-stream", [PARENT_HEADER]: plan.parentName ?? "none" });
      return sendGeneration(plan.source, plan.parent, res);
    }
    case "receive-generation": {
      const task = header(req, TASK_HEADER) ?? "pushed by a worker";
      const result = await receiveGeneration(target, route.generation, route.parent, req, { task }, deps);
      return json(res, 201, result);
    }
    case "upload-binpkg": {
      const result = await addUploadedBinpkg(target.pkgdir, route.path, Number(header(req, ENTRY_LENGTH_HEADER)), req, {
        maxBytes: options.maxBinpkgBytes ?? 8 * 1024 ** 3, now: deps.now, requireSigned: target.signs === true, ...(options.python ? { python: options.python } : {}),
      });
      return json(res, 201, result);
    }
    case "upload-log": {
      if (target.logsDir === undefined) return fail(req, res, 404, `target ${target.name} takes no logs here`);
      return json(res, 201, await receiveStepLog(target.logsDir, route.run, route.task, req, options.maxBinpkgBytes ?? 8 * 1024 ** 3));
    }
    case "read-index":
      return sendPkgdirFile(target.pkgdir, INDEX_NAME, res);
    case "read-binpkg":
      return sendPkgdirFile(target.pkgdir, route.path, res);
    default: {
      const never: never = route;
      throw new Error(`unhandled route ${JSON.stringify(never)}`);
    }
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
}

/** An error answer; a request body nobody will read is dropped with the connection, not drained. */
function fail(req: http.IncomingMessage, res: http.ServerResponse, status: number, message: string): void {
  const unread = !req.complete;
  res.writeHead(status, { "content-type": "application/json", ...(unread ? { connection: "close" } : {}) });
  res.end(`${JSON.stringify({ error: message })}\n`);
  if (unread) res.on("finish", () => req.destroy());
}
