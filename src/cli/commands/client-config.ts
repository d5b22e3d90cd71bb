import { existsSync } from "node:fs";
import path from "node:path";
import { exportPublicKey, readPublicKey, SigningKeyError, type PublicKeyInfo } from "../../binhost/signing-key.js";
import type { Config } from "../../config/config.js";
import type { ClientConfigIssue } from "../../server/client-files.js";
import { InvalidClientConfigError, renderClientConfig, type ClientConfigFormat } from "../../server/client-config.js";
import { PUBLIC_KEY_URL_PATH } from "../../server/request-path.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";

export const clientConfigHelp = `usage: binpkgbot client-config --url URL [--name NAME] [--format text|script] [--public-key FILE]
                               [--priority N] [-c FILE]

Prints what a Gentoo machine needs to fetch binpkgs from a binpkgbot serve at URL: the
binrepos.conf section and make.conf lines to copy (--format text, the default), or a POSIX sh
script that writes them (--format script; run it as root on the client: ... | ssh root@CLIENT sh).
--name       the binrepos.conf section and file name (default binpkgbot)
--public-key the armored public key the binhost publishes (serve --public-key): the client is told
             to trust exactly that key's fingerprint and to verify signatures. Without it, the
             config's signing key is used when it has one.
--priority   binrepos.conf priority (default 10, above Gentoo's own binhost)
The config (-c) is optional here.`;

const FORMATS: readonly ClientConfigFormat[] = ["text", "script"];
const DEFAULT_CONFIG_FILE = "binpkgbot.yml";
const FLAG_OF_FIELD: Record<ClientConfigIssue["field"], string> = {
  url: "--url", name: "--name", priority: "--priority", "signingKey.fingerprint": "--public-key", "signingKey.publicKeyUrl": "--url",
};

export async function clientConfigCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("client-config", {
    args: context.args,
    options: {
      url: { type: "string" }, name: { type: "string", default: "binpkgbot" }, format: { type: "string", default: "text" },
      "public-key": { type: "string" }, priority: { type: "string" },
    },
    strict: true,
  });
  if (values.url === undefined) throw new CliError("--url is required: the address clients reach binpkgbot serve at, e.g. --url http://binhost.lan:8736", ExitCode.usage);
  const format = values.format as ClientConfigFormat;
  if (!FORMATS.includes(format)) throw new CliError(`--format ${values.format}: use text or script`, ExitCode.usage);
  const priority = parsePriority(values.priority);
  // Only the default file may be absent; a config named with -c must load.
  const config = context.configFile !== DEFAULT_CONFIG_FILE || existsSync(DEFAULT_CONFIG_FILE) ? loadConfigOrFail(context.configFile).config : undefined;
  const signingKey = await signingKeyFor(context, config, values["public-key"], values.url);
  try {
    const text = renderClientConfig({ url: values.url, name: values.name, priority, signingKey }, format);
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

function parsePriority(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^-?[0-9]+$/.test(text)) throw new CliError(`--priority ${text}: give a whole number, e.g. --priority 10`, ExitCode.usage);
  return Number(text);
}
