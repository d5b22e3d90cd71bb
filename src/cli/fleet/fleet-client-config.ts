// `binpkgbot client-config -c FLEET --target NAME`: a client uses one target's binhost, which
// `binpkgbot serve -c FLEET` serves at URL/NAME/ (src/server/binhost-sites.ts).
import type { Config } from "../../config/config.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { LoadedConfigOrFleet } from "./load-fleet.js";

/** The config a client's set-up reads (signing key, servers) and the URL its binrepos.conf names. */
export function clientTarget(loaded: LoadedConfigOrFleet | undefined, url: string, target: string | undefined): { config: Config | undefined; url: string } {
  if (loaded === undefined) {
    if (target !== undefined) throw new CliError(`--target ${target} picks a target of a fleet file: give it with -c binpkgbot-fleet.yml`, ExitCode.usage);
    return { config: undefined, url };
  }
  if (loaded.kind === "config") return { config: loaded.config, url };
  const [entry, ...more] = loaded.entries;
  if (entry === undefined || more.length > 0 || target === undefined) {
    throw new CliError(`${loaded.fleet.path} is a fleet file: a client uses one target's binhost, so give --target NAME (the targets: ${loaded.entries.map((e) => e.target.name).join(", ")})`, ExitCode.usage);
  }
  return { config: entry.config, url: `${url.replace(/\/+$/, "")}/${entry.target.name}` };
}
