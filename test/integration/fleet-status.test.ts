// The fleet's workers as status, the daemon's /status and the dashboard show them, with a real
// redis-server and binpkgbot worker processes writing their heartbeats (no container runs: the targets'
// records are written as a coordinator writes them). Signing targets go only to the signer whose host
// has the key; no key material is anywhere in Redis, even with a signing job queued.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { formatIssue } from "../../src/config/issues.js";
import { loadConfig } from "../../src/config/load.js";
import { targetSigning } from "../../src/fleet/queue/signer.js";
import { planStepJob, queueName, REDIS_PREFIX, stepJobOptions } from "../../src/fleet/queue/step-job.js";
import { writeTargetRecord } from "../../src/fleet/queue/target-registry.js";
import { writeWorkerStatus } from "../../src/fleet/queue/worker-status.js";
import { diskConfigFiles } from "../../src/io/config-files.js";
import { planRun } from "../../src/plan/plan-run.js";
import { waitFor } from "./harness/nspawn-process.js";
import { startRedis } from "./harness/redis-server.js";
import { startWorker, type WorkerProcess } from "./support/fleet.js";
import { runCli, startCli, type CliResult } from "./support/world.js";

// No container runs here, so no btrfs fixture: only redis-server and gpg are needed.
const skip = existsSync("/usr/bin/redis-server") || existsSync("/usr/local/bin/redis-server") ? false : "no redis-server: install dev-db/redis (Debian: redis-server)";
if (skip && process.env.BINPKGBOT_REQUIRE_INTEGRATION === "1") throw new Error(skip);

interface Status { workers: { id: string; host: string; signer: boolean; targets: string[]; skipped: { target: string; reason: string }[]; running: { target: string; task: string }[] }[] | null; workersError: string | null }

/** A GnuPG home with a signing key without passphrase, as the README's signing set-up makes one; its fingerprint. */
function makeKey(home: string): string {
  const gpg = (...args: string[]): string => execFileSync("gpg", ["--homedir", home, "--batch", "--no-tty", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  gpg("--passphrase", "", "--pinentry-mode", "loopback", "--quick-gen-key", "binhost <root@localhost>", "ed25519", "sign", "never");
  const fpr = gpg("--with-colons", "--list-secret-keys").split("\n").find((line) => line.startsWith("fpr:"))?.split(":")[9];
  assert.ok(fpr);
  return fpr;
}

/** Every key's value in Redis, as text. */
async function dumpRedis(redis: Redis): Promise<string> {
  const parts: string[] = [];
  for (const key of await redis.keys("*")) {
    const type = await redis.type(key);
    if (type === "string") parts.push(String(await redis.get(key)));
    else if (type === "hash") parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === "list") parts.push(...(await redis.lrange(key, 0, -1)));
    else if (type === "zset") parts.push(...(await redis.zrange(key, 0, -1)));
    else if (type === "set") parts.push(...(await redis.smembers(key)));
    else if (type === "stream") parts.push(JSON.stringify(await redis.xrange(key, "-", "+")));
  }
  return parts.join("\n");
}

test("workers with their labels, load, signer and jobs in status --redis, /status and /api/workers; signing targets only on the signer with the key; no key in Redis; Redis gone is one line", { skip, timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "binpkgbot-fleet-status-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const home = path.join(dir, "gnupg");
  await mkdir(home, { mode: 0o700 });
  const fpr = makeKey(home);
  for (const sub of ["stage", "etc", "repo", "pkgs", "state", "no-key-here"]) await mkdir(path.join(dir, sub), { recursive: true });
  const config = path.join(dir, "binpkgbot.yml");
  await writeFile(config, `stage: stage\netc_portage: etc\nportage_repo: repo\npkgdir: pkgs\nstate_dir: state\nsigning: {key: '${fpr}', gnupg_home: gnupg}\ntasks:\n  - install: app-misc/foo\n`);
  const loaded = loadConfig(config, diskConfigFiles);
  if (!loaded.ok) assert.fail(loaded.issues.map(formatIssue).join("\n"));

  const redis = await startRedis();
  const admin = new Redis(redis.url);
  const workers: WorkerProcess[] = [];
  let dashboard: { child: ReturnType<typeof startCli>["child"]; done: Promise<CliResult> } | undefined = undefined;
  t.after(async () => {
    if (dashboard?.child.exitCode === null) dashboard.child.kill("SIGTERM");
    await dashboard?.done;
    await Promise.all(workers.map((worker) => worker.stop()));
    admin.disconnect();
    await redis.stop();
    for (const [index, worker] of workers.entries()) t.diagnostic(`worker ${index}:\n${worker.output()}`);
  });
  const record = (name: string, signing: ReturnType<typeof targetSigning>) => writeTargetRecord(admin, {
    name, labels: { arch: "amd64", profile: "default/linux/amd64/23.0" }, configPath: config, stage: path.join(dir, "stage"), pkgdir: path.join(dir, "pkgs"), signing,
  });
  await record("plain", null);
  await record("signed", targetSigning(loaded.config));
  await record("elsewhere", { key: fpr, gnupgHome: path.join(dir, "no-key-here") });
  const builder = startWorker(redis.url, ["--concurrency", "3"]);
  const signer = startWorker(redis.url, ["--signer"]);
  workers.push(builder, signer);
  // A heartbeat with a running job, as a worker writes it (a job running in a container is not needed to show one).
  await writeWorkerStatus(admin, {
    id: "build9-1-abcdef", hostname: "build9", labels: { arch: "amd64" }, concurrency: 2, load: 0.25, signer: false, targets: ["plain"], skipped: [],
    running: [{ target: "plain", task: "install-app-misc-foo", jobId: "r.install-app-misc-foo", since: new Date().toISOString() }], seenAt: new Date().toISOString(),
  });

  await waitFor("the signer to take the target whose key is on its host and refuse the other", async () => ["listening on target signed ", "listening on target plain ", "not taking target elsewhere:"].every((line) => signer.output().includes(line)), 30_000);
  await waitFor("the builder to refuse both signing targets", async () => ["signed", "elsewhere"].every((name) => builder.output().includes(`not taking target ${name}:`)), 30_000);
  assert.match(signer.output(), /listening on target signed /);
  assert.match(signer.output(), /listening on target plain /);
  assert.match(builder.output(), /listening on target plain /);
  assert.doesNotMatch(builder.output(), /listening on target (signed|elsewhere) /);
  assert.match(builder.output(), /^not taking target signed: signed signs its binpkgs \(signing.key \w+\): only workers started with --signer/m);
  const refusal = signer.output().split("\n").filter((line) => line.includes("not taking target elsewhere"));
  assert.equal(refusal.length, 1, "said once");
  assert.match(refusal[0] ?? "", new RegExp(`--signer, but this host cannot sign elsewhere's binpkgs with key ${fpr} from ${path.join(dir, "no-key-here")}: .+; put the key there`));

  // A signing job queued where nobody takes it: whatever Redis holds then, no part of the key is in it.
  const plan = planRun({ config: loaded.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "20261202T000000000Z-1" });
  const step = plan.steps.find((candidate) => candidate.kind === "container" && candidate.signing !== null);
  assert.ok(step);
  const queue = new Queue(queueName("elsewhere"), { connection: { host: "127.0.0.1", port: redis.port }, prefix: REDIS_PREFIX });
  await queue.add(step.task.id, planStepJob(plan, "elsewhere", step, { stageGeneration: "plain", fingerprint: null }), stepJobOptions(plan, step, 100));
  await queue.close();
  const secret = execFileSync("gpg", ["--homedir", home, "--batch", "--armor", "--pinentry-mode", "loopback", "--passphrase", "", "--export-secret-keys", fpr], { encoding: "utf8" });
  const secretLines = secret.split("\n").filter((line) => line.length >= 24 && !line.startsWith("-----"));
  assert.ok(secretLines.length > 0);
  const dumped = await dumpRedis(admin);
  assert.match(dumped, new RegExp(fpr), "the job names the key by its fingerprint");
  for (const line of secretLines) assert.ok(!dumped.includes(line), "no line of the exported secret key is in Redis");
  assert.doesNotMatch(dumped, /BEGIN PGP|PRIVATE KEY|private-key/i);

  const status = await runCli(["status", "-c", config, "--redis", redis.url]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^workers: 3$/m);
  assert.match(status.stdout, new RegExp(`on ${hostname()} {2}signer {2}labels arch=amd64 .* targets plain, signed$`, "m"));
  assert.match(status.stdout, /^ {4}not taken: elsewhere: --signer, but this host cannot sign/m);
  assert.match(status.stdout, /^ {4}plain install-app-misc-foo \(job r\.install-app-misc-foo, since /m);

  dashboard = startCli(["dashboard", "-c", config, "--listen", "127.0.0.1:0", "--redis", redis.url]);
  let printed = "";
  dashboard.child.stdout?.on("data", (chunk: Buffer | string) => (printed += String(chunk)));
  const ended = dashboard.done.then((result) => `ended: ${result.stderr}`);
  const url = await waitFor("the dashboard's address", async () => {
    const match = /dashboard at (http:\/\/\S+?)\/ \(workers from Redis at redis:\/\/127\.0\.0\.1:\d+\/0\)/.exec(printed);
    if (match) return match[1] ?? null;
    const early = await Promise.race([ended, new Promise<null>((resolve) => setTimeout(() => resolve(null), 50))]);
    if (early !== null) throw new Error(`binpkgbot dashboard ${early}`);
    return null;
  }, 20_000);
  const read = async (route: string): Promise<Status> => (await (await fetch(`${url}${route}`, { signal: AbortSignal.timeout(10_000) })).json()) as Status;
  const shown = await read("/status");
  assert.equal(shown.workersError, null);
  assert.deepEqual(shown.workers?.map((worker) => JSON.stringify([worker.signer, worker.targets])).sort(),
    [[false, ["plain"]], [false, ["plain"]], [true, ["plain", "signed"]]].map((row) => JSON.stringify(row)));
  const byId = new Map(shown.workers?.map((worker) => [worker.id, worker]));
  assert.deepEqual(byId.get("build9-1-abcdef")?.running.map((job) => [job.target, job.task]), [["plain", "install-app-misc-foo"]]);
  assert.deepEqual(shown.workers?.filter((worker) => worker.signer).map((worker) => worker.skipped.map((skip) => skip.target)), [["elsewhere"]]);
  assert.deepEqual(shown.workers?.filter((worker) => worker.host === hostname() && !worker.signer).map((worker) => worker.skipped.map((skip) => skip.target)), [["elsewhere", "signed"]]);
  assert.deepEqual((await read("/api/workers")).workers, shown.workers);

  // A target whose record says nothing of signing, and a signing job on its queue (signing added to its
  // config since): each worker that takes it gives it back untouched, and stops listening on the target.
  await record("late", null);
  await waitFor("both workers to listen on late", async () => [builder, signer].every((worker) => worker.output().includes("listening on target late ")), 30_000);
  const late = new Queue(queueName("late"), { connection: { host: "127.0.0.1", port: redis.port }, prefix: REDIS_PREFIX });
  const unsignable = { ...step, signing: step.kind === "container" && step.signing ? { ...step.signing, gnupgHome: path.join(dir, "no-key-here") } : null } as typeof step;
  const added = await late.add(step.task.id, planStepJob(plan, "late", unsignable, { stageGeneration: "plain", fingerprint: null }), stepJobOptions(plan, step, 100));
  await waitFor("both workers to give the job back and leave the target", async () => [builder, signer].every((worker) => worker.output().includes("not taking target late: ")), 30_000);
  const job = await late.getJob(added.id ?? "");
  assert.equal(job?.attemptsMade, 0, "no attempt used up");
  assert.match(await late.getJobState(added.id ?? ""), /^(delayed|waiting|wait)$/);
  for (const worker of [builder, signer]) assert.doesNotMatch(worker.output(), /late install-app-misc-foo: started/, "no step ran");
  await late.close();

  // Stopped while Redis is there, so they give their heartbeats back.
  await Promise.all(workers.map((worker) => worker.stop()));
  admin.disconnect();
  await redis.stop();
  // Answers are shared for a second: the next one is read anew.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const started = Date.now();
  const gone = await read("/status");
  assert.ok(Date.now() - started < 5000, "answered within the bound");
  assert.equal(gone.workers, null);
  assert.match(gone.workersError ?? "", /^the workers are not known: Redis at redis:\/\/127\.0\.0\.1:\d+\/0 did not answer \(.+\); is redis-server running there/);
});

