import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { exportPublicKey, readPublicKey, SigningKeyError, type PublicKeyInfo } from "../../binhost/signing-key.js";
import type { Config } from "../../config/config.js";
import type { ClientConfigIssue, ClientRepository } from "../../server/client-files.js";
import { InvalidClientConfigError, renderClientConfig, type ClientConfigFormat } from "../../server/client-config.js";
import { PUBLIC_KEY_URL_PATH } from "../../server/request-path.js";
import { reportingServers } from "../../report/reporting-servers.js";
import { readTokenFile, TokenFileError } from "../../report/report-token.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { clientTarget } from "../fleet/fleet-client-config.js";
import { loadConfigOrFleetOrFail } from "../fleet/load-fleet.js";
import { checkTagName, parseReleaseName } from "../../releases/release-layout.js";
import { REPOSITORY_ARCHIVE_URL_PATH } from "../../server/request-path.js";

export const clientConfigHelp = `usage: binpkgbot client-config --url URL [--name NAME] [--format text|script] [--public-key FILE]
                               [--priority N] [--report SERVER [--token-file FILE]] [--tag NAME | --release N]
                               [--with-repo [--repo-name NAME]] [-c FILE] [--target NAME]

Prints what a Gentoo machine needs to fetch binpkgs from a binpkgbot serve at URL: the
binrepos.conf section and make.conf lines to copy (--format text, the default), or a POSIX sh
script that writes them (--format script; run it as root on the client: ... | ssh root@CLIENT sh).
--name       the binrepos.conf section and file name (default binpkgbot)
--public-key the armored public key the binhost publishes (serve --public-key): the client is told
             to trust exactly that key's fingerprint and to verify signatures. Without it, the
             config's signing key is used when it has one.
--priority   binrepos.conf priority (default 10, above Gentoo's own binhost)
--tag        follow the release tagged NAME (binpkgbot releases tag NAME) instead of the current one
--release    stay on release N instead of following the current one
--with-repo  also sync the ebuild repository from that release's archive (repos.conf, sync-type
             zipfile, Portage 3.0.64 or later), so the tree asks for the versions the binpkgs are of
--repo-name  the repository's name (default: profiles/repo_name of the config's portage_repo, else
             gentoo); it is synced to /var/db/repos/NAME
--report     (with --format script) also make this machine report itself as SERVER of the config's
             servers: section: once at set-up and after each emerge, through Portage's
             /etc/portage/bin/post_emerge hook. Needs binpkgbot installed on the machine.
--token-file the file holding SERVER's token, copied to /etc/binpkgbot/report-token on the machine
             (default: SERVER's token_file in the config; without either, that file must exist there)
--target     with a fleet file (-c binpkgbot-fleet.yml): the target whose binhost the client uses, served
             by binpkgbot serve -c FLEET at URL/NAME/; its config gives the signing key and servers
The config (-c) is optional here.`;

const FORMATS: readonly ClientConfigFormat[] = ["text", "script"];
const DEFAULT_CONFIG_FILE = "binpkgbot.yml";
const FLAG_OF_FIELD: Record<ClientConfigIssue["field"], string> = {
  url: "--url", name: "--name", priority: "--priority", "signingKey.fingerprint": "--public-key", "signingKey.publicKeyUrl": "--url",
  "report.name": "--report", "report.token": "--token-file", "repository.name": "--repo-name", "repository.location": "--repo-name",
};

/** A tag's release is served at /tags/NAME/, release N at /releases/N/ (src/server/release-roots.ts). */
function releaseUrl(url: string, tag: string | undefined, release: string | undefined): string {
  const base = url.replace(/\/+$/, "");
  if (tag !== undefined && release !== undefined) throw new CliError("--tag and --release each pick a release: give one of them", ExitCode.usage);
  if (release !== undefined) {
    const parsed = parseReleaseName(release);
    if (parsed === null || parsed.meta) throw new CliError(`--release ${release}: give a release number, e.g. --release 5 (binpkgbot releases lists them)`, ExitCode.usage);
    return `${base}/releases/${parsed.number}`;
  }
  if (tag === undefined) return url;
  const problem = checkTagName(tag);
  if (problem !== null) throw new CliError(`--tag: ${problem}`, ExitCode.usage);
  return `${base}/tags/${tag}`;
}

/** --with-repo: the repository's name from --repo-name, else the config's portage_repo, else gentoo. */
async function repositoryFor(config: Config | undefined, binhostUrl: string, name: string | undefined): Promise<ClientRepository> {
  let repoName = name;
  if (repoName === undefined && config !== undefined) {
    const file = path.join(config.portageRepo, "profiles", "repo_name");
    const text = await readFile(file, "utf8").catch((error: unknown) => {
      throw new CliError(`--with-repo: cannot read the repository's name from ${file}: ${(error as Error).message}; give it with --repo-name NAME`, ExitCode.config, { cause: error });
    });
    repoName = text.split("\n")[0]!.trim();
  }
  repoName ??= "gentoo";
  return { name: repoName, location: `/var/db/repos/${repoName}`, syncUri: `${binhostUrl.replace(/\/+$/, "")}${REPOSITORY_ARCHIVE_URL_PATH}` };
}

export async function clientConfigCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("client-config", {
    args: context.args,
    options: {
      url: { type: "string" }, name: { type: "string", default: "binpkgbot" }, format: { type: "string", default: "text" },
      "public-key": { type: "string" }, priority: { type: "string" }, report: { type: "string" }, "token-file": { type: "string" },
      tag: { type: "string" }, release: { type: "string" }, "with-repo": { type: "boolean", default: false }, "repo-name": { type: "string" },
      target: { type: "string" },
    },
    strict: true,
  });
  if (values.url === undefined) throw new CliError("--url is required: the address clients reach binpkgbot serve at, e.g. --url http://binhost.lan:8736", ExitCode.usage);
  const format = values.format as ClientConfigFormat;
  if (!FORMATS.includes(format)) throw new CliError(`--format ${values.format}: use text or script`, ExitCode.usage);
  const priority = parsePriority(values.priority);
  // Only the default file may be absent; a config named with -c must load.
  const loaded = context.configFile !== DEFAULT_CONFIG_FILE || existsSync(DEFAULT_CONFIG_FILE) ? loadConfigOrFleetOrFail(context.configFile, values.target) : undefined;
  const target = clientTarget(loaded, values.url, values.target);
  const config = target.config;
  const signingKey = await signingKeyFor(context, config, values["public-key"], target.url);
  const report = await reportFor(config, format, values.report, values["token-file"]);
  const url = releaseUrl(target.url, values.tag, values.release);
  if (values["repo-name"] !== undefined && !values["with-repo"]) throw new CliError("--repo-name goes with --with-repo", ExitCode.usage);
  const repository = values["with-repo"] ? await repositoryFor(config, url, values["repo-name"]) : undefined;
  try {
    const text = renderClientConfig({ url, name: values.name, priority, signingKey, report, repository }, format);
    context.stdout(text.replace(/\n$/, ""));
  } catch (error) {
    if (!(error instanceof InvalidClientConfigError)) throw error;
    const flags = error.issues.map((issue) => `${FLAG_OF_FIELD[issue.field]}: ${issue.message}`);
    throw new CliError(flags.join("; "), ExitCode.usage, { cause: error });
  }
  return ExitCode.ok;
}

/** From --public-key FILE, else from the config's signing key; none when neither is given. */
async function signingKeyFor(
  context: CommandContext, config: Config | undefined, flag: string | undefined, url: string,
): Promise<{ fingerprint: string; publicKeyUrl: string } | undefined> {
  let key: PublicKeyInfo;
  try {
    if (flag !== undefined) key = await readPublicKey(context.exec, path.resolve(flag));
    else if (config?.signing) {
      const exported = await exportPublicKey(context.exec, config.signing);
      await exported.remove();
      key = exported;
    } else return undefined;
  } catch (error) {
    if (!(error instanceof SigningKeyError)) throw error;
    throw new CliError(flag === undefined ? error.message : `--public-key: ${error.message}`, flag === undefined ? ExitCode.config : ExitCode.usage, { cause: error });
  }
  return { fingerprint: key.fingerprint, publicKeyUrl: `${url.replace(/\/+$/, "")}${PUBLIC_KEY_URL_PATH}` };
}

/** --report SERVER, with the token from --token-file or from SERVER's token_file in the config. */
async function reportFor(
  config: Config | undefined, format: ClientConfigFormat, server: string | undefined, tokenFlag: string | undefined,
): Promise<{ name: string; token?: string } | undefined> {
  if (server === undefined) {
    if (tokenFlag !== undefined) throw new CliError("--token-file goes with --report SERVER", ExitCode.usage);
    return undefined;
  }
  if (format !== "script") throw new CliError("--report adds lines to the set-up script: give --format script too", ExitCode.usage);
  const tokenFile = tokenFlag !== undefined ? path.resolve(tokenFlag) : config && reportingServers(config).find((s) => s.name === server)?.tokenFile;
  if (tokenFile === undefined) return { name: server };
  try {
    return { name: server, token: await readTokenFile(tokenFile) };
  } catch (error) {
    if (!(error instanceof TokenFileError)) throw error;
    throw new CliError(tokenFlag !== undefined ? `--token-file: ${error.message}` : error.message, tokenFlag !== undefined ? ExitCode.usage : ExitCode.config, { cause: error });
  }
}

function parsePriority(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(text)) throw new CliError(`--priority ${text}: give a whole number, e.g. --priority 10`, ExitCode.usage);
  return Number(text);
}
