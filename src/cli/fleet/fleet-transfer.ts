// The transfer options of `binpkgbot coordinator` (serve /fleet/TARGET/ over HTTP(S)) and of
// `binpkgbot worker` (reach them, keep the target's copy in --store). Problems are one line each.
import path from "node:path";
import { parseListenAddress } from "../../binhost/listen-address.js";
import { adoptPlainStages } from "../../fleet/transfer/coordinator-stages.js";
import { createHttpStageSync, type StageSync } from "../../fleet/transfer/stage-sync.js";
import { createStorePlace, type JobPlace } from "../../fleet/transfer/store-place.js";
import { createTransferClient, CoordinatorError, type TransferClient } from "../../fleet/transfer/transfer-client.js";
import { createTransferHandler } from "../../fleet/transfer/transfer-handler.js";
import { startTransferServer, TransferServerError, type TransferServer } from "../../fleet/transfer/transfer-server.js";
import { readTransferToken } from "../../fleet/transfer/transfer-token.js";
import type { Exec } from "../../exec/exec.js";
import { TokenFileError } from "../../report/report-token.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { FleetEntry } from "./load-fleet.js";

export const TRANSFER_OPTIONS = {
  "token-file": { type: "string" },
  "allow-plain-http": { type: "boolean", default: false },
} as const;

export interface CoordinatorTransferValues {
  listen?: string | undefined;
  "token-file"?: string | undefined;
  "tls-cert"?: string | undefined;
  "tls-key"?: string | undefined;
  "allow-plain-http"?: boolean | undefined;
}

/**
 * Without --listen: null (one host). Otherwise the running server of every target's transfer routes,
 * each target's stage made a generation first if it is a plain directory (`say` tells).
 */
export async function startCoordinatorTransfers(values: CoordinatorTransferValues, entries: readonly FleetEntry[], exec: Exec, say: (line: string) => void): Promise<TransferServer | null> {
  if (values.listen === undefined) {
    for (const option of ["token-file", "tls-cert", "tls-key"] as const) {
      if (values[option] !== undefined) throw new CliError(`--${option} is for the transfer server: give --listen ADDR:PORT too`, ExitCode.usage);
    }
    return null;
  }
  const address = parseListenAddress(values.listen);
  if (!address.ok) throw new CliError(address.message, ExitCode.usage);
  if (values["token-file"] === undefined) throw new CliError("--listen needs --token-file FILE, the workers' bearer token (openssl rand -hex 32 > FILE; chmod 600 FILE)", ExitCode.usage);
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined)) throw new CliError("--tls-cert and --tls-key go together: give the certificate and its key", ExitCode.usage);
  const token = await readToken(values["token-file"]);
  const targets = entries.map(({ target, config }) => ({ name: target.name, stage: config.stage, pkgdir: config.pkgdir, stageGenerations: config.stageGenerations, signs: config.signing !== null, logsDir: path.join(config.stateDir, "logs") }));
  const tls = values["tls-cert"] !== undefined && values["tls-key"] !== undefined ? { certFile: values["tls-cert"], keyFile: values["tls-key"] } : undefined;
  let server: TransferServer;
  try {
    server = await startTransferServer({
      handler: createTransferHandler({ targets, token, exec }), host: address.value.host, port: address.value.port,
      ...(tls ? { tls } : {}), allowPlainHttp: values["allow-plain-http"] ?? false,
    });
  } catch (error) {
    if (error instanceof TransferServerError) throw new CliError(`--listen ${values.listen}: ${error.message}`, ExitCode.usage, { cause: error });
    throw new CliError(`--listen ${values.listen}: ${(error as Error).message}; choose another address or port`, ExitCode.host, { cause: error });
  }
  const adopted = await adoptPlainStages(targets, { exec, now: () => new Date() }).catch(async (error: unknown) => {
    await server.close();
    throw new CliError(`cannot make a plain stage its first generation for the workers: ${(error as Error).message}`, ExitCode.host, { cause: error });
  });
  for (const line of adopted) say(line);
  return server;
}

export interface WorkerTransferValues {
  coordinator?: string | undefined;
  "token-file"?: string | undefined;
  "ca-file"?: string | undefined;
  "allow-plain-http"?: boolean | undefined;
  store?: string | undefined;
}

/** Without --coordinator: null (one host). Otherwise the stage sync and the job place of the worker's store. */
export async function readWorkerTransfers(values: WorkerTransferValues, exec: Exec, say: (line: string) => void): Promise<{ stageSync: StageSync; place: JobPlace; url: string } | null> {
  if (values.coordinator === undefined) {
    for (const option of ["token-file", "ca-file"] as const) {
      if (values[option] !== undefined) throw new CliError(`--${option} is for a coordinator on another host: give --coordinator URL too`, ExitCode.usage);
    }
    return null;
  }
  if (values["token-file"] === undefined) throw new CliError("--coordinator needs --token-file FILE, a copy of the coordinator's token file (mode 600)", ExitCode.usage);
  if (values.store === undefined) throw new CliError("--coordinator needs --store DIR, a directory on btrfs where the worker keeps its copies of the targets", ExitCode.usage);
  const token = await readToken(values["token-file"]);
  const coordinator = {
    url: values.coordinator, token, allowPlainHttp: values["allow-plain-http"] ?? false, ...(values["ca-file"] !== undefined ? { caFile: values["ca-file"] } : {}),
  };
  try {
    const client = await createTransferClient(coordinator);
    await checkToken(client, values.coordinator, values["token-file"], say);
    const stageSync = await createHttpStageSync({ coordinator, store: values.store, exec, pushedBy: "pushed by a worker" });
    return { stageSync, place: createStorePlace({ store: values.store, client, exec, say }), url: values.coordinator };
  } catch (error) {
    if (error instanceof CliError) throw error;
    if (error instanceof CoordinatorError) throw new CliError(`--coordinator ${values.coordinator}: ${error.message}`, ExitCode.usage, { cause: error });
    throw new CliError(`--ca-file ${values["ca-file"] ?? ""}: ${(error as Error).message}`, ExitCode.usage, { cause: error });
  }
}

/**
 * A worker whose token the coordinator refuses stops at once instead of taking jobs it cannot run. The
 * coordinator serves its routes only while it runs: one that does not answer now is no error.
 */
async function checkToken(client: TransferClient, url: string, tokenFile: string, say: (line: string) => void): Promise<void> {
  try {
    (await client.request("GET", "/fleet/")).resume();
  } catch (error) {
    if (!(error instanceof CoordinatorError) || error.status === 404) return;
    if (error.status === 401) throw new CliError(`the coordinator at ${url} refuses the token in ${tokenFile}: copy the token file given to binpkgbot coordinator --token-file`, ExitCode.usage, { cause: error });
    say(`coordinator ${url} does not answer now (${error.message.split(": ").at(-1) ?? ""}); it is asked again for each job`);
  }
}

async function readToken(file: string): Promise<string> {
  return readTransferToken(file).catch((error: unknown) => {
    if (error instanceof TokenFileError) throw new CliError(error.message, ExitCode.usage, { cause: error });
    throw new CliError(`--token-file ${file}: ${(error as Error).message}`, ExitCode.usage, { cause: error });
  });
}
