// Signing on labelled signer workers, with real workers, a coordinator and a real GnuPG key over a test
// world on btrfs: a target with `signing` is built only by the worker started with --signer, whose
// containers sign with the key of its host; the other worker takes none of its jobs and says why once.
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { Redis } from "ioredis";
import { nodeExec, runChecked } from "../../src/exec/exec.js";
import { readWorkerStatuses } from "../../src/fleet/queue/worker-status.js";
import { waitFor } from "./harness/nspawn-process.js";
import { leakGuard } from "./harness/leak-guard.js";
import { startRedis } from "./harness/redis-server.js";
import { integrationSuite } from "./harness/suite.js";
import { coordinate, runOf, startWorker, worldFleet, type WorkerProcess } from "./support/fleet.js";
import { configText, createWorld, readRecords } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

async function makeKey(dir: string): Promise<{ home: string; fingerprint: string }> {
  const home = await mkdtemp(path.join(dir, "gnupg-"));
  await runChecked(nodeExec, ["gpg", "--homedir", home, "--batch", "--passphrase", "", "--quick-gen-key", "binpkgbot test <test@example.invalid>", "ed25519", "sign", "never"]);
  const listed = await runChecked(nodeExec, ["gpg", "--homedir", home, "--batch", "--with-colons", "--list-secret-keys"]);
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listed.stdout)?.[1] ?? "";
  await nodeExec.run(["gpgconf", "--homedir", home, "--kill", "all"]);
  return { home, fingerprint };
}

test("a signing target is built on the signer only, whose containers sign with its host's key; the other worker takes none of its jobs", { skip, timeout: 150_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  const key = await makeKey(world.root);
  await writeFile(world.config, configText(world, [
    "sync: false", `signing: {key: '${key.fingerprint}', gnupg_home: ${key.home}}`, "tasks:",
    "  - install: app-misc/signed",
    "  - run: {persist: false, name: beside, script: 'echo beside-ran'}",
    "",
  ].join("\n")));
  const redis = await startRedis();
  const workers: WorkerProcess[] = [];
  t.after(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await redis.stop();
    for (const [index, worker] of workers.entries()) t.diagnostic(`worker ${index}:\n${worker.output()}`);
  });
  const builder = startWorker(redis.url, ["--concurrency", "2"]);
  const signer = startWorker(redis.url, ["--signer"]);
  workers.push(builder, signer);
  const admin = new Redis(redis.url);
  t.after(() => admin.disconnect());
  await waitFor("both heartbeats", async () => (await readWorkerStatuses(admin)).length === 2, 20_000);

  const coordinated = await coordinate(worldFleet([{ name: "amd64", world }]), redis.url);
  const run = runOf(coordinated, "amd64");
  assert.equal(run.result, "succeeded", JSON.stringify(run.outcome.steps.map((step) => [step.step.task.id, step.result, step.reason])));
  assert.ok(!coordinated.events.some(({ event }) => event.kind === "warning" && /no signer worker/.test(event.message)), "a signer was there");
  for (const task of ["install-app-misc-signed", "beside"]) assert.match(signer.output(), new RegExp(`amd64 ${task}: started`), `the signer ran ${task}`);
  assert.doesNotMatch(builder.output(), /: started/, "the other worker ran nothing");
  assert.doesNotMatch(builder.output(), /listening on target amd64 /);
  const said = builder.output().split("\n").filter((line) => line.startsWith("not taking target amd64: "));
  assert.deepEqual(said, [`not taking target amd64: amd64 signs its binpkgs (signing.key ${key.fingerprint}): only workers started with --signer, on a host with that key in ${key.home}, build it`], "said once");
  const build = (await readRecords(world)).find((record) => record.argv.includes("app-misc/signed"));
  assert.ok(build?.env.includes(`BINPKG_GPG_SIGNING_KEY=${key.fingerprint}`), "the signer's build container signs with the key");
  assert.ok(build?.env.includes("FEATURES=buildpkg binpkg-signing"));
  const statuses = await readWorkerStatuses(admin);
  assert.deepEqual(statuses.map((status) => [status.signer, status.targets, status.skipped.map((skip) => skip.target)]).sort((a, b) => Number(a[0]) - Number(b[0])),
    [[false, [], ["amd64"]], [true, ["amd64"], []]]);
});

test("with no signer running, the coordinator says so in one line with the command to start one", { skip, timeout: 60_000 }, async (t) => {
  const world = await createWorld(suite.fixture().dir);
  t.after(await leakGuard(suite.fixture().dir));
  await writeFile(world.config, configText(world, ["sync: false", "signing: {key: 'E67C13262597AA179EC281182D6BD441E432C98F', gnupg_home: /nonexistent/gnupg}", "tasks:", "  - install: app-misc/signed", ""].join("\n")));
  const redis = await startRedis();
  t.after(() => redis.stop());
  const stop = new AbortController();
  const coordinating = coordinate(worldFleet([{ name: "amd64", world }]), redis.url, { signal: stop.signal });
  const admin = new Redis(redis.url);
  t.after(() => admin.disconnect());
  await waitFor("the job to be queued", async () => (await admin.keys("binpkgbot:target-amd64:*")).length > 0, 20_000);
  stop.abort();
  const coordinated = await coordinating;
  const warnings = coordinated.events.filter(({ event }) => event.kind === "warning" && /no signer worker/.test(event.message));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]?.event.kind === "warning" ? warnings[0].event.message : "", /^amd64 signs its binpkgs, and no signer worker for it is running: its jobs wait until one is \(binpkgbot worker --redis URL --labels arch=amd64,profile=default\/linux\/amd64\/23\.0 --signer, on a host with key E67C\w+ in \/nonexistent\/gnupg\)$/);
});
