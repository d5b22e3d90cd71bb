import { mkdir } from "node:fs/promises";
import { sleepUnlessAborted } from "../../engine/retry-step.js";
import { localStageSync } from "../../fleet/queue/local-stage-sync.js";
import { parseRedisUrl, type RedisOptions } from "../../fleet/queue/redis-url.js";
import { runWorker } from "../../fleet/queue/worker.js";
import { parseLabels } from "../../fleet/queue/worker-labels.js";
import type { CommandContext } from "../command-context.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { readWorkerTransfers, TRANSFER_OPTIONS } from "../fleet/fleet-transfer.js";
import { parseCommandArgs } from "../parse-args.js";

export const workerHelp = `usage: binpkgbot worker --redis URL [--labels KEY=VALUE,…] [--concurrency N] [--signer] [--store DIR] [--lock-ms MS]
                        [--coordinator URL --token-file FILE [--ca-file FILE] [--allow-plain-http]]

Takes the steps of every target whose labels match from the coordinator's queues in Redis and runs
them with the engine of binpkgbot run (containers, job pool, memory limits, logs), on the stage
generation each job names; a job for another generation is refused. Until SIGINT or SIGTERM, which
stop the running steps and give their jobs back to the queue.
  --redis URL        redis://[USER[:PASSWORD]@]HOST[:PORT][/DB], rediss:// for TLS; the password may
                     come from BINPKGBOT_REDIS_PASSWORD instead, to keep it out of ps
  --labels K=V,…     take only targets with these labels (arch=amd64,profile=…); none: every target
  --concurrency N    run up to N steps at once (default 1)
  --signer           also build the targets that sign their binpkgs: each one's signing key must be in
                     its signing.gnupg_home on this host (checked; a target whose key is not is refused
                     with one line). Without it, this worker never takes a signing target's jobs.
  --store DIR        on btrfs: this worker's copies of the targets, STORE/TARGET/{stage,packages,…} (created)
  --lock-ms MS       a job whose worker stopped answering for this long goes to another (default 30000)
  --coordinator URL  the coordinator on another host (binpkgbot coordinator --listen): each job runs on
                     this worker's copy of its target in --store (required then), the generation it names
                     received from the coordinator, its PKGDIR the coordinator's; what it made goes back
                     (https://HOST:PORT; http:// only on loopback unless --allow-plain-http)
  --token-file FILE  a copy of the coordinator's token file (mode 600)
  --ca-file FILE     the CA (or self-signed certificate) the coordinator's certificate is checked against
  --allow-plain-http plain http:// to a coordinator beyond loopback (a TLS tunnel in between)`;

export async function workerCommand(context: CommandContext, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs("worker", {
    args: context.args, strict: true,
    options: { redis: { type: "string" }, labels: { type: "string", default: "" }, concurrency: { type: "string", default: "1" }, store: { type: "string" }, signer: { type: "boolean", default: false }, "lock-ms": { type: "string", default: "30000" },
      coordinator: { type: "string" }, "ca-file": { type: "string" }, ...TRANSFER_OPTIONS,
    },
  });
  const redis = readRedisOption("worker", values.redis, context.env);
  const labels = parseLabels(values.labels);
  if ("problem" in labels) throw new CliError(labels.problem, ExitCode.usage);
  const concurrency = readWhole("--concurrency", values.concurrency, 1);
  const lockMs = readWhole("--lock-ms", values["lock-ms"], 1000);
  if (values.store !== undefined) await mkdir(values.store, { recursive: true });
  const remote = await readWorkerTransfers(values, context.exec, context.stderr);
  const where = remote ? `, coordinator ${remote.url}, store ${values.store ?? ""}` : "";
  context.stderr(`worker: labels ${values.labels || "(any)"}, concurrency ${concurrency}${values.signer ? ", signer" : ""}, Redis ${redis.host}:${redis.port}${where}`);
  const stopped = await runWorker({
    redis, labels: labels.labels, concurrency, signer: values.signer, lockMs, say: context.stderr,
    engine: {
      exec: context.exec, env: context.env, signal, clock: () => context.now().getTime(), sleep: sleepUnlessAborted,
      // Each step's output is in its log; here only what concerns the worker.
      emit: (event) => {
        if (event.kind === "notice" || event.kind === "warning") context.stderr(`${event.kind === "warning" ? "warning: " : ""}${event.message}`);
      },
    },
    stageSync: (targets) => remote?.stageSync ?? localStageSync((name) => targets().find((target) => target.name === name)),
    ...(remote ? { place: remote.place } : {}),
  });
  if (!stopped.closed) {
    // Redis is unreachable: its client would try again for ever and keep this process alive.
    context.stderr(`binpkgbot: could not give the running jobs back: Redis at ${redis.host}:${redis.port} is unreachable; another worker takes them once their lock expires (--lock-ms)`);
    process.exit(ExitCode.host);
  }
  return signal.aborted ? ExitCode.interrupted : ExitCode.ok;
}

/** --redis URL, required; a problem is a usage error. */
export function readRedisOption(command: string, text: string | undefined, env: NodeJS.ProcessEnv): RedisOptions {
  if (text === undefined) throw new CliError(`binpkgbot ${command} needs --redis URL (e.g. --redis redis://localhost:6379)`, ExitCode.usage);
  const parsed = parseRedisUrl(text, env.BINPKGBOT_REDIS_PASSWORD);
  if ("problem" in parsed) throw new CliError(parsed.problem, ExitCode.usage);
  return parsed.options;
}

function readWhole(option: string, text: string, least: number): number {
  if (/^[0-9]{1,7}$/.test(text) && Number(text) >= least) return Number(text);
  throw new CliError(`${option} ${text}: expected a whole number of at least ${least}`, ExitCode.usage);
}
