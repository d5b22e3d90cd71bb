import { stat } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_LISTEN, isWildcardHost, parseListenAddress } from "../../binhost/listen-address.js";
import { readPublicKey, SigningKeyError, type PublicKeyInfo } from "../../binhost/signing-key.js";
import type { Exec } from "../../exec/exec.js";
import { quoteWord } from "../../plan/render-plan.js";
import { BinhostStartError, startBinhost, type RunningBinhost } from "../../server/binhost.js";
import { PUBLIC_KEY_URL_PATH } from "../../server/request-path.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";

export const serveHelp = `usage: binpkgbot serve [-c FILE] [--listen ADDR:PORT] [--public-key FILE]

Serves the config's pkgdir over HTTP as a binhost for Portage clients (Packages, Packages.gz and
the binpkgs; GET and HEAD, with If-Modified-Since and Range), one access-log line per request on
stdout. Reads only; safe while a run builds.
--listen     where to listen (default ${DEFAULT_LISTEN}); IPv6 in brackets, e.g. [::]:8736;
             port 0 picks a free port. Listen beyond 127.0.0.1 only on a network you trust.
--public-key an armored public key (gpg --armor --export KEY) published at ${PUBLIC_KEY_URL_PATH},
             for clients that verify signed binpkgs.
Stops cleanly on SIGTERM or Ctrl-C (exit 0). Prints the client-config command that sets up a client.`;

export async function serveCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: context.args,
    options: { listen: { type: "string", default: DEFAULT_LISTEN }, "public-key": { type: "string" } },
    strict: true,
  });
  const address = parseListenAddress(values.listen);
  if (!address.ok) throw new CliError(address.message, ExitCode.usage);
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  await checkPkgdir(config.pkgdir);
  const publicKey = values["public-key"] === undefined ? undefined : await readKeyOrFail(context.exec, path.resolve(values["public-key"]));
  const binhost = await startBinhost({
    pkgdir: config.pkgdir, host: address.value.host, port: address.value.port, log: context.stdout, publicKeyPath: publicKey?.path,
  }).catch((error: unknown) => {
    if (!(error instanceof BinhostStartError)) throw error;
    throw new CliError(`${error.message}; choose another --listen address or port`, ExitCode.host, { cause: error });
  });
  printBanner(context, binhost, { pkgdir: config.pkgdir, configFile: config.file, publicKey, wildcard: isWildcardHost(address.value.host) });
  await untilAborted(signal);
  await binhost.close();
  context.stdout("binhost stopped");
  return ExitCode.ok;
}

async function checkPkgdir(pkgdir: string): Promise<void> {
  const stats = await stat(pkgdir).catch((error: unknown) => {
    throw new CliError(`pkgdir ${pkgdir} does not exist: run binpkgbot run to build packages, or fix pkgdir in the config`, ExitCode.host, { cause: error });
  });
  if (!stats.isDirectory()) throw new CliError(`pkgdir ${pkgdir} is not a directory: fix pkgdir in the config`, ExitCode.host);
}

async function readKeyOrFail(exec: Exec, file: string): Promise<PublicKeyInfo> {
  try {
    return await readPublicKey(exec, file);
  } catch (error) {
    if (error instanceof SigningKeyError) throw new CliError(`--public-key: ${error.message}`, ExitCode.usage, { cause: error });
    throw error;
  }
}

function printBanner(
  context: CommandContext,
  binhost: RunningBinhost,
  info: { pkgdir: string; configFile: string; publicKey: PublicKeyInfo | undefined; wildcard: boolean },
): void {
  context.stdout(`serving ${info.pkgdir} at ${binhost.url} (stop with Ctrl-C or SIGTERM)`);
  if (info.publicKey) context.stdout(`signing key ${info.publicKey.fingerprint} at ${binhost.url}${PUBLIC_KEY_URL_PATH}`);
  const url = info.wildcard ? binhost.url.replace(/\/\/.*:(\d+)$/, "//THIS-HOST:$1") : binhost.url;
  const command = ["binpkgbot", "client-config", "--url", url, "-c", info.configFile];
  if (info.publicKey) command.push("--public-key", info.publicKey.path);
  context.stdout(`set up a client with: ${command.map(quoteWord).join(" ")} --format script | ssh root@CLIENT sh`);
  if (info.wildcard) context.stdout("(replace THIS-HOST with the name or address clients reach this machine at)");
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
