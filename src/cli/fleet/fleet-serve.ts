// `binpkgbot serve -c FLEET`: one binhost for every target, each target's PKGDIR under /NAME/ with
// what `serve` gives one config at / (releases, its signing key, its servers' reports, the limits).
import { isWildcardHost, type ListenAddress } from "../../binhost/listen-address.js";
import { quoteWord } from "../../plan/render-plan.js";
import { configReleasesLayout } from "../../releases/publish-config.js";
import { reportingServers } from "../../report/reporting-servers.js";
import type { BinhostLimits } from "../../server/binhost-limits.js";
import { BinhostStartError, startBinhost, type BinhostSite } from "../../server/binhost.js";
import { createReportReceiver, REPORT_PATH_PREFIX } from "../../server/report-endpoint.js";
import { PUBLIC_KEY_URL_PATH } from "../../server/request-path.js";
import type { CommandContext } from "../command-context.js";
import { checkPkgdir, publicKeyFor, untilAborted, type ServedKey } from "../commands/serve.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { describeTarget, type FleetEntry, type LoadedFleetFile } from "./load-fleet.js";

type Where = ListenAddress & { limits: BinhostLimits; maxReportBytes: number };

export async function serveFleet(context: CommandContext, signal: AbortSignal, loaded: LoadedFleetFile, where: Where, keyFlag: string | undefined): Promise<number> {
  for (const warning of loaded.warnings) context.stderr(warning);
  if (keyFlag !== undefined && loaded.entries.length > 1) {
    throw new CliError("--public-key: each target publishes its own config's signing key; give --public-key with --target NAME", ExitCode.usage);
  }
  for (const { target, config } of loaded.entries) {
    await checkPkgdir(config.pkgdir).catch((error: unknown) => {
      throw error instanceof CliError ? new CliError(`target ${target.name}: ${error.message}`, error.exitCode, { cause: error }) : error;
    });
  }
  const keys = new Map<string, ServedKey | undefined>();
  try {
    for (const { target, config } of loaded.entries) keys.set(target.name, await publicKeyFor(context.exec, config, keyFlag));
    return await serveSites(context, signal, loaded, where, keys);
  } finally {
    for (const key of keys.values()) await key?.remove?.();
  }
}

async function serveSites(context: CommandContext, signal: AbortSignal, loaded: LoadedFleetFile, where: Where, keys: ReadonlyMap<string, ServedKey | undefined>): Promise<number> {
  const sites = new Map(loaded.entries.map((entry) => [entry.target.name, siteOf(context, entry, where.maxReportBytes, keys.get(entry.target.name))]));
  const binhost = await startBinhost({ sites, host: where.host, port: where.port, log: context.stdout, limits: where.limits }).catch((error: unknown) => {
    if (!(error instanceof BinhostStartError)) throw error;
    throw new CliError(`${error.message}; choose another --listen address or port`, ExitCode.host, { cause: error });
  });
  const url = isWildcardHost(where.host) ? binhost.url.replace(/\/\/.*:(\d+)$/, "//THIS-HOST:$1") : binhost.url;
  for (const { target, config } of loaded.entries) {
    const base = `${binhost.url}/${target.name}`;
    context.stdout(`serving target ${describeTarget(target)}: ${config.pkgdir} at ${base}/`);
    const key = keys.get(target.name);
    if (key) context.stdout(`  signing key ${key.fingerprint} at ${base}${PUBLIC_KEY_URL_PATH}`);
    const servers = reportingServers(config);
    if (servers.length > 0) context.stdout(`  servers may report to ${base}${REPORT_PATH_PREFIX}NAME: ${servers.map((s) => s.name).join(", ")}`);
  }
  const command = ["binpkgbot", "client-config", "--url", url, "-c", loaded.fleet.path, "--target", "NAME"];
  context.stdout(`set up a client with: ${command.map(quoteWord).join(" ")} --format script | ssh root@CLIENT sh (stop with Ctrl-C or SIGTERM)`);
  if (url !== binhost.url) context.stdout("(replace THIS-HOST with the name or address clients reach this machine at)");
  await untilAborted(signal);
  await binhost.close();
  context.stdout("binhost stopped");
  return ExitCode.ok;
}

function siteOf(context: CommandContext, { target, config }: FleetEntry, maxReportBytes: number, key: ServedKey | undefined): BinhostSite {
  const servers = reportingServers(config);
  const reports = createReportReceiver({
    stateDir: config.stateDir, servers: () => servers, limits: { maxBytes: maxReportBytes },
    onReport: (report) => context.stdout(`report of ${report.name} to target ${target.name} stored: ${report.files} files in ${report.dir}`),
  });
  return { pkgdir: config.pkgdir, releasesDir: configReleasesLayout(config).dir, publicKeyPath: key?.path, reports };
}
