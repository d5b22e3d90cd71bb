import { runCoordinator } from "../../fleet/queue/coordinator.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { realRepository } from "../fleet/fleet-run.js";
import { startCoordinatorTransfers, TRANSFER_OPTIONS } from "../fleet/fleet-transfer.js";
import { loadFleetOrFail } from "../fleet/load-fleet.js";
import { parseCommandArgs } from "../parse-args.js";
import type { EngineEvent } from "../../engine/events.js";
import { toCliError } from "./run.js";
import { readRedisOption } from "./worker.js";

export const coordinatorHelp = `usage: binpkgbot coordinator -c FLEET --redis URL [--fail-fast]
                             [--listen ADDR:PORT --token-file FILE [--tls-cert FILE --tls-key FILE] [--allow-plain-http]]

One run of every target of the fleet file, as binpkgbot run does it on one host (stage lock, plan,
state database, history, publishing), except that each step goes to the target's queue in Redis and
a binpkgbot worker whose labels match runs it. Persisting steps are barriers; the throw-away steps
between two of them run side by side, on any matching worker.
  --redis URL        as for binpkgbot worker (BINPKGBOT_REDIS_PASSWORD for the password)
  --fail-fast        a failed step stops its target's run
  --listen ADDR:PORT serve the stage generations and binpkgs to workers on other hosts under /fleet/TARGET/
                     while the run lasts; without it, workers share this host's stages and PKGDIRs
  --token-file FILE  the bearer token workers must send (openssl rand -hex 32 > FILE; mode 600)
  --tls-cert FILE, --tls-key FILE   serve HTTPS; plain HTTP only on loopback (behind a TLS reverse proxy)
  --allow-plain-http plain HTTP beyond loopback (a TLS tunnel in between)`;

export async function coordinatorCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs("coordinator", {
    args: context.args, strict: true,
    options: {
      redis: { type: "string" }, "fail-fast": { type: "boolean", default: false },
      listen: { type: "string" }, "tls-cert": { type: "string" }, "tls-key": { type: "string" }, ...TRANSFER_OPTIONS,
    },
  });
  const redis = readRedisOption("coordinator", values.redis, context.env);
  const loaded = loadFleetOrFail(context.configFile, undefined);
  for (const warning of loaded.warnings) context.stderr(warning);
  const configs = new Map(loaded.entries.map((entry) => [entry.target.name, entry.config]));
  const server = await startCoordinatorTransfers(values, loaded.entries, context.exec, context.stderr);
  if (server) context.stderr(`coordinator: transfers for workers on other hosts at ${server.url}/fleet/`);
  const runs = await runCoordinator({
    fleet: loaded.fleet, redis, exec: context.exec, env: context.env, now: context.now, signal, trigger: "manual", failFast: values["fail-fast"], force: new Set(),
    // Validated with the fleet, every target's problems named before anything started.
    loadConfig: (target) => configs.get(target.name)!,
    realRepository,
    emit: (target, event) => {
      const line = describeEvent(event);
      if (line !== null) context.stdout(`${target}: ${line}`);
    },
  }).finally(() => server?.close());
  let code: number = ExitCode.ok;
  for (const run of runs) {
    if ("error" in run) {
      const error = toCliError(run.error);
      context.stderr(`${run.target}: ${error instanceof Error ? error.message : String(error)}`);
      code = Math.max(code, error instanceof CliError ? error.exitCode : ExitCode.host);
    } else {
      context.stdout(`${run.target}: ${run.run.result} (run ${run.run.runId})`);
      if (run.run.result !== "succeeded") code = Math.max(code, run.run.result === "interrupted" ? ExitCode.interrupted : ExitCode.buildFailed);
    }
  }
  return code;
}

/** The coordinator's steps print no output (it is in each step's log): their start and end, and notices. */
function describeEvent(event: EngineEvent): string | null {
  switch (event.kind) {
    case "notice": return event.message;
    case "warning": return `warning: ${event.message}`;
    case "step-start": return `${event.step.task.id}: queued (${event.index + 1}/${event.total})`;
    case "step-end": return `${event.outcome.step.task.id}: ${event.outcome.result}${event.outcome.reason ? ` (${event.outcome.reason})` : ""}`;
    case "output": return null;
  }
}
