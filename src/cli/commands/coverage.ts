import { stat } from "node:fs/promises";
import type { Server } from "../../config/config.js";
import { probeHost } from "../../container/host.js";
import { checkCoverage } from "../../coverage/check-coverage.js";
import { coverageDocument, coverageRecord, renderCoverage, type ServerCoverage } from "../../coverage/coverage-report.js";
import { openStateDatabase } from "../../state/database.js";
import { renderSuggestedTasks } from "../../coverage/suggest-tasks.js";
import { makeRunId } from "../../engine/perform-run.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { loadConfigOrFail } from "../load-config.js";
import { closest, parseCommandArgs } from "../parse-args.js";

export const coverageHelp = `usage: binpkgbot coverage [SERVER…] [-c FILE] [--json] [--suggest]

For each server of the config's servers: section (or the ones named), asks Portage in a throw-away
container of the stage, with that server's /etc/portage and world and PKGDIR read-only, what a full
install of its @world would take: emerge --pretend --emptytree --usepkg @world. Prints how many
packages come from binpkgs and every package that would still be compiled, with the reason (no binpkg
of that version; binpkgs with other USE, wanted and available; masked for the server). A server of
another arch or CHOST is reported as needing its own stage. Servers are checked in parallel, up to
the CPU count.
  --json      one versioned JSON document {version, covered, servers}
  --suggest   also print install tasks (binpkgbot.yml syntax, with use:) that would close the gaps,
              one per package and flags, so one variant serves every server wanting the same
exit codes: 0 every server covered, 1 some server would compile (or needs its own stage),
4 a server could not be checked`;

export async function coverageCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseCommandArgs("coverage", {
    args: context.args, allowPositionals: true, strict: true,
    options: { json: { type: "boolean", default: false }, suggest: { type: "boolean", default: false } },
  });
  const { config, warnings } = loadConfigOrFail(context.configFile);
  for (const warning of warnings) context.stderr(warning);
  const servers = selectServers(config.servers ?? [], positionals, context.configFile);
  for (const [what, dir] of [["stage", config.stage], ["pkgdir", config.pkgdir]] as const) {
    if (!(await stat(dir).then(() => true, () => false))) {
      throw new CliError(`${what} ${dir} does not exist: ${what === "stage" ? "binpkgbot stage init" : "binpkgbot run"} makes it`, ExitCode.host);
    }
  }
  const host = await probeHost({ exec: context.exec, path: context.env.PATH ?? "" });
  const results = await checkCoverage(config, servers, { exec: context.exec, systemdPid1: host.systemdPid1, runId: makeRunId(context.now()), signal });
  if (signal.aborted) return ExitCode.interrupted;
  recordCoverage(config.stateDir, results, context.now());
  const suggestions = values.suggest ? renderSuggestedTasks(results) : [];
  if (values.json) context.stdout(JSON.stringify({ ...coverageDocument(results), ...(values.suggest ? { suggest: suggestions } : {}) }, null, 2));
  else {
    for (const result of results) for (const line of renderCoverage(result)) context.stdout(line);
    if (values.suggest) {
      context.stdout("");
      context.stdout(suggestions.length > 0 ? "# add under tasks: in the config, then binpkgbot run" : "# no install task would close a gap");
      for (const line of suggestions) context.stdout(line);
    }
  }
  if (results.some((result) => result.status === "error")) return ExitCode.host;
  return results.every((result) => result.status === "covered") ? ExitCode.ok : ExitCode.buildFailed;
}

/** The latest check of each server, for status and the daemon's /status. */
function recordCoverage(stateDir: string, results: readonly ServerCoverage[], now: Date): void {
  const db = openStateDatabase(stateDir);
  try {
    db.recordServerCoverage(results.map((result) => coverageRecord(result, now)));
  } finally {
    db.close();
  }
}

function selectServers(servers: readonly Server[], names: readonly string[], configFile: string): Server[] {
  if (servers.length === 0) throw new CliError(`${configFile} declares no servers: add a servers: section (see binpkgbot help coverage)`, ExitCode.config);
  if (names.length === 0) return [...servers];
  return names.map((name) => {
    const found = servers.find((server) => server.name === name);
    if (found) return found;
    const guess = closest(name, servers.map((server) => server.name));
    throw new CliError(`coverage: no server '${name}' in ${configFile}${guess ? `: did you mean ${guess}?` : ""} (declared: ${servers.map((server) => server.name).join(", ")})`, ExitCode.usage);
  });
}
