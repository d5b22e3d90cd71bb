import { stat } from "node:fs/promises";
import { listPkgdir, type ListedBinpkg } from "../../binhost/pkgdir-listing.js";
import { readPackagesIndexFile } from "../../binhost/pkgdir-index.js";
import { scanPkgdirFiles } from "../../binhost/pkgdir-files.js";
import { describePkgdirProblem } from "../../binhost/pkgdir-inventory.js";
import type { CommandContext } from "../command-context.js";
import { parseCommandArgs } from "../parse-args.js";
import { ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { formatTable, formatTime } from "./status.js";

export const packagesHelp = `usage: binpkgbot packages [-c FILE] [--json]

Lists the binpkgs in the config's pkgdir, from its Packages index: CPV, BUILD_ID, size, build time,
whether the GPKG is signed (read from its member names, without extracting it) and the enabled USE
flags. Then the problems: index entries whose file is missing, binpkgs the index does not list,
0-byte placeholders of interrupted builds, sizes that differ from the index, damaged GPKGs.
Reads only. --json prints { pkgdir, hasIndex, packages, problems } as one JSON document.`;

export async function packagesCommand(context: CommandContext): Promise<number> {
  const { values } = parseCommandArgs("packages", { args: context.args, options: { json: { type: "boolean", default: false } }, strict: true });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const pkgdir = config.pkgdir;
  if (!(await stat(pkgdir).then(() => true, () => false))) {
    // Nothing built yet is no error: the same as status and history before the first run.
    if (values.json) context.stdout(JSON.stringify({ pkgdir, hasIndex: false, packages: [], problems: [] }, null, 2));
    else context.stdout(`pkgdir ${pkgdir} does not exist yet: binpkgbot run builds packages into it (or fix pkgdir in the config)`);
    return ExitCode.ok;
  }
  const index = await readPackagesIndexFile(pkgdir);
  const listing = await listPkgdir(pkgdir, index, await scanPkgdirFiles(pkgdir));
  const problems = listing.problems.map((problem) => ({ ...problem, message: describePkgdirProblem(problem) }));
  if (values.json) {
    context.stdout(JSON.stringify({ pkgdir, hasIndex: listing.hasIndex, packages: listing.packages, problems }, null, 2));
    return ExitCode.ok;
  }
  if (!listing.hasIndex) context.stdout(`${pkgdir} has no Packages index${problems.length > 0 ? "" : " yet: binpkgbot run builds packages"}`);
  else if (listing.packages.length === 0) context.stdout(`the index of ${pkgdir} lists no binpkg`);
  else for (const line of formatTable(packageRows(listing.packages))) context.stdout(line.trimEnd());
  if (problems.length > 0) {
    context.stdout("");
    context.stdout(`${problems.length} problem${problems.length === 1 ? "" : "s"}:`);
    for (const problem of problems) context.stdout(`  ${problem.message}`);
  }
  return ExitCode.ok;
}

function packageRows(packages: readonly ListedBinpkg[]): string[][] {
  return [
    ["CPV", "BUILD_ID", "SIZE", "BUILT", "SIGNED", "USE"],
    ...packages.map((binpkg) => [
      binpkg.cpv,
      binpkg.buildId === null ? "-" : String(binpkg.buildId),
      binpkg.size === null ? "-" : formatBytes(binpkg.size),
      binpkg.buildTime === null ? "-" : formatTime(new Date(binpkg.buildTime * 1000)),
      binpkg.signature,
      binpkg.use.join(" "),
    ]),
  ];
}

/** Binary units, one decimal: 512 B, 10.0 KiB, 1.5 GiB. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
