// Two targets never share a stage, a PKGDIR, a state directory or a releases directory: a PKGDIR's
// Packages header is rewritten by whichever emerge wrote last (GENTOO.md, "PKGDIR and binpkgs"), a
// stage is one arch and profile, and a state database holds one config's history.
import type { Config } from "../config/config.js";
import { realpathOr, type ConfigFiles } from "../config/includes.js";
import type { LocatedIssue } from "../config/issues.js";
import { locateIssues } from "../config/load.js";
import type { FleetTarget } from "./fleet.js";

interface OwnDirectory {
  /** The key that sets it in binpkgbot.yml. */
  key: string;
  what: string;
  of(config: Config): string | undefined;
  /** Shared only as a consequence of sharing this one (a default beside it), which is reported already. */
  follows?: OwnDirectory;
}

const PKGDIR: OwnDirectory = { key: "pkgdir", what: "PKGDIR", of: (config) => config.pkgdir || undefined };

const OWN_DIRECTORIES: readonly OwnDirectory[] = [
  { key: "stage", what: "stage", of: (config) => config.stage },
  PKGDIR,
  { key: "state_dir", what: "state directory", of: (config) => config.stateDir },
  // By default PKGDIR.releases: shared whenever PKGDIR is.
  { key: "releases_dir", what: "releases directory", of: (config) => config.releases?.dir, follows: PKGDIR },
];

/** One problem per later target that shares a directory with an earlier one, located at its key in both configs. */
export function checkSharedDirectories(targets: readonly FleetTarget[], configs: ReadonlyMap<string, Config>, files: ConfigFiles): LocatedIssue[] {
  const issues: LocatedIssue[] = [];
  for (const own of OWN_DIRECTORIES) {
    const owners = new Map<string, FleetTarget>();
    for (const target of targets) {
      const config = configs.get(target.name);
      const dir = config && own.of(config);
      if (dir === undefined) continue;
      const real = realpathOr(files, dir);
      const first = owners.get(real);
      if (first === undefined) owners.set(real, target);
      else if (!own.follows || !sameDirectory(own.follows, [first, target], configs, files)) issues.push(sharedIssue(own, target, first, dir, files));
    }
  }
  return issues;
}

function sameDirectory(own: OwnDirectory, pair: readonly FleetTarget[], configs: ReadonlyMap<string, Config>, files: ConfigFiles): boolean {
  const [a, b] = pair.map((target) => {
    const config = configs.get(target.name);
    const dir = config && own.of(config);
    return dir === undefined ? undefined : realpathOr(files, dir);
  });
  return a !== undefined && a === b;
}

function sharedIssue(own: OwnDirectory, target: FleetTarget, first: FleetTarget, dir: string, files: ConfigFiles): LocatedIssue {
  const [there, here] = locateIssues(files, [first, target].map((t) => ({ file: t.configPath, path: [own.key], message: "" })));
  const where = `${there!.file}:${there!.line}:${there!.column}`;
  return {
    ...here!,
    message: `its ${own.what} ${dir} is also target ${first.name}'s (${own.key} at ${where})`,
    hint: `give each target its own ${own.key}: a stage, its PKGDIR and its state belong to one arch and profile`,
  };
}
