import { stat } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_LISTEN, isWildcardHost, parseListenAddress, type ListenAddress } from "../../binhost/listen-address.js";
import { exportPublicKey, readPublicKey, SigningKeyError, type PublicKeyInfo } from "../../binhost/signing-key.js";
import type { Config } from "../../config/config.js";
import type { Exec } from "../../exec/exec.js";
import { quoteWord } from "../../plan/render-plan.js";
import { DEFAULT_LIMITS, LIMIT_FLAGS, parseLimitFlags, type BinhostLimits } from "../../server/binhost-limits.js";
import { configReleasesLayout } from "../../releases/publish-config.js";
import { BinhostStartError, startBinhost, type RunningBinhost } from "../../server/binhost.js";
import { PUBLIC_KEY_URL_PATH } from "../../server/request-path.js";
import { DEFAULT_REPORT_LIMITS } from "../../report/report-entries.js";
import { reportingServers } from "../../report/reporting-servers.js";
import { createReportReceiver, REPORT_PATH_PREFIX } from "../../server/report-endpoint.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { serveFleet } from "../fleet/fleet-serve.js";
import { loadConfigOrFleetOrFail } from "../fleet/load-fleet.js";

export const serveHelp = `usage: binpkgbot serve [-c FILE] [--listen ADDR:PORT] [--public-key FILE] [--target NAME] [LIMIT FLAGS]

Serves the config's pkgdir over HTTP as a binhost for Portage clients (Packages, Packages.gz and
the binpkgs; GET and HEAD, with If-Modified-Since and Range), one access-log line per request on
stdout. Reads only; safe while a run builds. Once the pkgdir has releases (binpkgbot publish), the
current release is served at the root, release N at /releases/N/ and a tag at /tags/NAME/.
--listen     where to listen (default ${DEFAULT_LISTEN}); IPv6 in brackets, e.g. [::]:8736;
             port 0 picks a free port. Listen beyond 127.0.0.1 only on a network you trust.
--public-key an armored public key (gpg --armor --export KEY) to publish at ${PUBLIC_KEY_URL_PATH},
             for clients that verify signed binpkgs. Without it, the public half of the config's
             signing key is published when the config has one.
Limits (README "Limits of the binhost"), each a whole number:
--max-connections N              open connections in all (default ${DEFAULT_LIMITS.maxConnections})
--max-connections-per-address N  open connections from one address (default ${DEFAULT_LIMITS.maxConnectionsPerAddress})
--max-requests-per-connection N  requests on one keep-alive connection (default ${DEFAULT_LIMITS.maxRequestsPerConnection})
--max-pipeline-depth N           pipelined requests waiting before the connection is closed (default ${DEFAULT_LIMITS.maxPipelineDepth})
--send-timeout MS                close a connection whose client takes no byte for this long (default ${DEFAULT_LIMITS.sendTimeoutMs})
--headers-timeout MS             time to send the request head (default ${DEFAULT_LIMITS.headersTimeoutMs})
--idle-timeout MS                close an idle keep-alive connection after this long (default ${DEFAULT_LIMITS.idleTimeoutMs})
--send-buffer BYTES              binpkg bytes read ahead per connection (default ${DEFAULT_LIMITS.sendBufferBytes})
--max-report-size BYTES          largest report a server may send to ${REPORT_PATH_PREFIX}NAME (default ${DEFAULT_REPORT_LIMITS.maxBytes})
With a fleet file (-c binpkgbot-fleet.yml), one binhost serves every target's pkgdir under /NAME/
(its releases, its signing key and its servers' reports too); --target NAME serves only that one.
Stops cleanly on SIGTERM or Ctrl-C (exit 0). Prints the client-config command that sets up a client.`;

export async function serveCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs("serve", {
    args: context.args,
    options: { listen: { type: "string", default: DEFAULT_LISTEN }, "public-key": { type: "string" }, "max-report-size": { type: "string" }, target: { type: "string" }, ...LIMIT_OPTIONS },
    strict: true,
  });
  const address = parseListenAddress(values.listen);
  if (!address.ok) throw new CliError(address.message, ExitCode.usage);
  const limits = parseLimitFlags(values);
  if (!limits.ok) throw new CliError(limits.message, ExitCode.usage);
  const maxReportBytes = parseReportSize(values["max-report-size"]);
  const loaded = loadConfigOrFleetOrFail(context.configFile, values.target);
  if (loaded.kind === "fleet") return serveFleet(context, signal, loaded, { ...address.value, limits: limits.value, maxReportBytes }, values["public-key"]);
  const { config, warnings } = loaded;
  for (const warning of warnings) context.stderr(warning);
  await checkPkgdir(config.pkgdir);
  const publicKey = await publicKeyFor(context.exec, config, values["public-key"]);
  try {
    return await serve(context, signal, config, { ...address.value, limits: limits.value, maxReportBytes }, { key: publicKey, fromFlag: values["public-key"] !== undefined });
  } finally {
    await publicKey?.remove?.();
  }
}

const LIMIT_OPTIONS = Object.fromEntries(Object.values(LIMIT_FLAGS).map(({ flag }) => [flag, { type: "string" as const }]));

export type ServedKey = PublicKeyInfo & { remove?: () => Promise<void> };

async function serve(
  context: CommandContext, signal: AbortSignal, config: Config, address: ListenAddress & { limits: BinhostLimits; maxReportBytes: number }, signing: { key: ServedKey | undefined; fromFlag: boolean },
): Promise<number> {
  const publicKey = signing.key;
  const servers = reportingServers(config);
  const reports = createReportReceiver({
    stateDir: config.stateDir, servers: () => servers, limits: { maxBytes: address.maxReportBytes },
    onReport: (report) => context.stdout(`report of ${report.name} stored: ${report.files} files in ${report.dir}`),
  });
  const binhost = await startBinhost({
    pkgdir: config.pkgdir, releasesDir: configReleasesLayout(config).dir, host: address.host, port: address.port, log: context.stdout, publicKeyPath: publicKey?.path, limits: address.limits, reports,
  }).catch((error: unknown) => {
    if (!(error instanceof BinhostStartError)) throw error;
    throw new CliError(`${error.message}; choose another --listen address or port`, ExitCode.host, { cause: error });
  });
  printBanner(context, binhost, { pkgdir: config.pkgdir, configFile: config.file, publicKey, fromFlag: signing.fromFlag, wildcard: isWildcardHost(address.host) });
  if (servers.length > 0) context.stdout(`servers may report to ${binhost.url}${REPORT_PATH_PREFIX}NAME: ${servers.map((s) => s.name).join(", ")}`);
  await untilAborted(signal);
  await binhost.close();
  context.stdout("binhost stopped");
  return ExitCode.ok;
}

export async function checkPkgdir(pkgdir: string): Promise<void> {
  const stats = await stat(pkgdir).catch((error: unknown) => {
    throw new CliError(`pkgdir ${pkgdir} does not exist: run binpkgbot run to build packages, or fix pkgdir in the config`, ExitCode.host, { cause: error });
  });
  if (!stats.isDirectory()) throw new CliError(`pkgdir ${pkgdir} is not a directory: fix pkgdir in the config`, ExitCode.host);
}

/** --public-key FILE, else the public half of the config's signing key (a temporary file), else none. */
export async function publicKeyFor(exec: Exec, config: Config, flag: string | undefined): Promise<ServedKey | undefined> {
  try {
    if (flag !== undefined) return await readPublicKey(exec, path.resolve(flag));
    return config.signing === null ? undefined : await exportPublicKey(exec, config.signing);
  } catch (error) {
    if (!(error instanceof SigningKeyError)) throw error;
    if (flag !== undefined) throw new CliError(`--public-key: ${error.message}`, ExitCode.usage, { cause: error });
    throw new CliError(error.message, ExitCode.config, { cause: error });
  }
}

function printBanner(
  context: CommandContext,
  binhost: RunningBinhost,
  info: { pkgdir: string; configFile: string; publicKey: PublicKeyInfo | undefined; fromFlag: boolean; wildcard: boolean },
): void {
  context.stdout(`serving ${info.pkgdir} at ${binhost.url} (stop with Ctrl-C or SIGTERM)`);
  if (info.publicKey) context.stdout(`signing key ${info.publicKey.fingerprint} at ${binhost.url}${PUBLIC_KEY_URL_PATH}`);
  const url = info.wildcard ? binhost.url.replace(/\/\/.*:(\d+)$/, "//THIS-HOST:$1") : binhost.url;
  const command = ["binpkgbot", "client-config", "--url", url, "-c", info.configFile];
  if (info.publicKey && info.fromFlag) command.push("--public-key", info.publicKey.path);
  context.stdout(`set up a client with: ${command.map(quoteWord).join(" ")} --format script | ssh root@CLIENT sh`);
  if (info.wildcard) context.stdout("(replace THIS-HOST with the name or address clients reach this machine at)");
}

function parseReportSize(text: string | undefined): number {
  if (text === undefined) return DEFAULT_REPORT_LIMITS.maxBytes;
  if (!/^\d+$/.test(text) || Number(text) < 1024 || !Number.isSafeInteger(Number(text))) {
    throw new CliError(`--max-report-size: ${JSON.stringify(text)} must be a whole number of bytes of at least 1024`, ExitCode.usage);
  }
  return Number(text);
}

export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
