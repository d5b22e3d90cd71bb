// Workers on "other hosts": `binpkgbot coordinator --listen` serving the transfer routes on 127.0.0.1,
// and worker processes with `--coordinator URL --store DIR`, each store apart from the coordinator's
// stage and PKGDIR, over a real redis-server, btrfs loop image, systemd-nspawn and the emerge double.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { test } from "node:test";
import { nodeExec } from "../../src/exec/exec.js";
import { readSubvolumeInfo } from "../../src/fleet/transfer/subvolume-info.js";
import { parsePackagesIndex } from "../../src/portage/packages-index.js";
import { readCurrent, stageLayout } from "../../src/stage/layout.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { waitFor } from "./harness/nspawn-process.js";
import { startRedis } from "./harness/redis-server.js";
import { startWorker, type WorkerProcess } from "./support/fleet.js";
import { configText, createWorld, runCli, startCli, type World } from "./support/world.js";

const suite = await integrationSuite();
const { skip } = suite;

const RECORD = "/var/log/emerge-double";
/** As in fleet-queue.test.ts: `mark start NAME` records a time; `await FILE` waits up to 60 s for another task's marker. */
const PRELUDE = `mark() { cut -d" " -f1 /proc/uptime > ${RECORD}/$2.$1; }; await() { for i in $(seq 600); do [ -e ${RECORD}/$1 ] && return 0; sleep 0.1; done; return 1; }`;

function runTask(name: string, persist: boolean, body: string): string {
  return `  - run: {persist: ${persist}, name: ${name}, script: '${PRELUDE}; mark start ${name}; ${body}; mark end ${name}'}`;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

async function writeFleet(world: World): Promise<string> {
  const file = path.join(world.root, "fleet.yml");
  await writeFile(file, `targets:\n  amd64:\n    config: ${world.config}\n    labels: {arch: amd64, profile: default/linux/amd64/23.0}\n`);
  return file;
}

async function writeToken(dir: string, name: string, token: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return file;
}

async function exists(file: string): Promise<boolean> {
  return readFile(file).then(() => true, () => false);
}

async function listFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name))).sort();
}

interface RemoteFleet {
  url: string;
  token: string;
  stores: string[];
  workers: WorkerProcess[];
  redisUrl: string;
  /** The coordinator's exit, its stdout and stderr. */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** The coordinator's stdout so far. */
  stdout(): string;
  /** Starts one more worker with a store of its own. */
  addWorker(): WorkerProcess;
}

/**
 * Redis, `count` workers with stores of their own started first (as on their hosts, before any run), then
 * `binpkgbot coordinator --listen` on 127.0.0.1 over the world's fleet file; resolves once it serves.
 */
async function startRemoteFleet(
  t: { after: (fn: () => Promise<void>) => void; diagnostic: (message: string) => void }, world: World, count: number, tls?: { certFile: string; keyFile: string },
): Promise<RemoteFleet> {
  const fleet = await writeFleet(world);
  const token = await writeToken(world.root, "token", "c".repeat(64));
  const redis = await startRedis();
  const port = await freePort();
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  const stores: string[] = [];
  const workers: WorkerProcess[] = [];
  const addWorker = (): WorkerProcess => {
    const store = path.join(world.root, `store-${stores.length + 1}`);
    const worker = startWorker(redis.url, ["--coordinator", url, "--token-file", token, "--store", store, ...(tls ? ["--ca-file", tls.certFile] : [])]);
    stores.push(store);
    workers.push(worker);
    return worker;
  };
  for (let index = 0; index < count; index += 1) addWorker();
  t.after(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await redis.stop();
    for (const [index, worker] of workers.entries()) t.diagnostic(`worker ${index}:\n${worker.output()}`);
  });
  const coordinator = startCli(["coordinator", "-c", fleet, "--redis", redis.url, "--listen", `127.0.0.1:${port}`, "--token-file", token,
    ...(tls ? ["--tls-cert", tls.certFile, "--tls-key", tls.keyFile] : [])]);
  let stderr = "";
  let stdout = "";
  coordinator.child.stderr?.on("data", (chunk: Buffer) => (stderr += String(chunk)));
  coordinator.child.stdout?.on("data", (chunk: Buffer) => (stdout += String(chunk)));
  await waitFor("the coordinator's transfer server", async () => stderr.includes(`transfers for workers on other hosts at ${url}/fleet/`), 30_000);
  return { url, token, stores, workers, redisUrl: redis.url, done: coordinator.done.then((result) => ({ ...result, stderr })), stdout: () => stdout, addWorker };
}

test("coordinator --listen (its plain stage made gen-1) and two workers with their own stores: steps run on received generations, the persisting step's becomes the coordinator's, every binpkg comes home; a wrong token is refused", { skip, timeout: 240_000 }, async (t) => {
  const dir = suite.fixture().dir;
  const world = await createWorld(dir);
  t.after(await leakGuard(dir));
  // left and right wait for each other: with one step at a time per worker, each worker runs one. Both
  // merge base-one, which the persisting step built on whichever worker took it: from the binpkg.
  await writeFile(world.config, configText(world, [
    "sync: false", "tasks:",
    runTask("base", true, "emerge app-misc/base-one && echo made-by-base > /base-marker"),
    runTask("left", false, "await right.start && emerge --usepkg app-misc/base-one app-misc/left-one"),
    runTask("right", false, "await left.start && emerge --usepkg app-misc/base-one app-misc/right-one"),
    "",
  ].join("\n")));
  const { url, stores, workers, redisUrl, done: finished } = await startRemoteFleet(t, world, 2);
  const wrongToken = await writeToken(world.root, "wrong-token", "d".repeat(64));

  const wrong = await runCli(["worker", "--redis", redisUrl, "--labels", "arch=amd64", "--coordinator", url, "--token-file", wrongToken, "--store", path.join(dir, "store-wrong")]);
  assert.equal(wrong.code, 2, wrong.stderr);
  const wrongLines = wrong.stderr.trim().split("\n").filter((line) => !line.startsWith("worker: labels"));
  assert.deepEqual(wrongLines, [`binpkgbot: the coordinator at ${url} refuses the token in ${wrongToken}: copy the token file given to binpkgbot coordinator --token-file`]);

  const done = await finished;
  assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
  assert.ok(done.stderr.includes(`target amd64: the stage ${world.stage} is now its first generation, gen-1 (unchanged), so that workers on other hosts can receive it`), done.stderr);
  assert.match(done.stdout, /^amd64: succeeded \(run \d+\)$/m);
  // The plan's run id names the jobs, and the run's log directories.
  const runId = /\(job (\S+)\.base, attempt 1\)/.exec(workers.map((worker) => worker.output()).join("\n"))?.[1];
  assert.ok(runId, "a worker took the persisting step");

  // The persisting step ran on a worker's copy of gen-1; the generation it made is the coordinator's now, received.
  const layout = stageLayout(world.stage);
  const current = await readCurrent(layout);
  assert.equal(current.kind === "generation" && current.name, "gen-2");
  assert.equal(await readFile(path.join(world.stage, "base-marker"), "utf8"), "made-by-base\n");
  assert.notEqual((await readSubvolumeInfo(nodeExec, path.join(layout.generationsDir, "gen-2")))?.receivedUuid ?? null, null, "gen-2 was received from a worker, not made here");

  // Each step ran with a store's paths: its log is in that worker's store, and was sent home to the run's log directory.
  const where = async (task: string): Promise<number[]> => {
    const found: number[] = [];
    for (const [index, store] of stores.entries()) if (await exists(path.join(store, "amd64", "logs", runId, `${task}.log`))) found.push(index);
    return found;
  };
  const ran = { base: await where("base"), left: await where("left"), right: await where("right") };
  for (const [task, indexes] of Object.entries(ran)) assert.equal(indexes.length, 1, `${task} ran on one worker: ${JSON.stringify(ran)}`);
  assert.notEqual(ran.left[0], ran.right[0], "left and right ran on different workers");
  for (const [task, indexes] of Object.entries(ran)) {
    const kept: string = await readFile(path.join(stores[indexes[0]!]!, "amd64", "logs", runId, `${task}.log`), "utf8");
    assert.equal(await readFile(path.join(world.stateDir, "logs", runId, `${task}.log`), "utf8"), kept, `${task}'s log came home whole`);
  }
  const shown = await runCli(["log", "left", "-c", world.config]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /Emerging binary \(\d of 2\) app-misc\/base-one-1\.0/, "binpkgbot log on the coordinator shows a step a worker ran");
  for (const task of ["left", "right"] as const) {
    const log = await readFile(path.join(stores[ran[task][0]!]!, "amd64", "logs", runId, `${task}.log`), "utf8");
    assert.match(log, /gen-2/, `${task} ran on the generation the persisting step made`);
    assert.match(log, /Emerging binary \(\d of 2\) app-misc\/base-one-1\.0/, `${task} merged base-one from the binpkg the coordinator had`);
  }
  for (const store of stores) {
    const generations = (await readdir(path.join(store, "amd64", "stage.generations"))).filter((name) => /^gen-\d+$/.test(name)).sort();
    assert.deepEqual(generations, ["gen-1", "gen-2"].filter((name) => name === "gen-2" || store === stores[ran.base[0]!]) , `${store}: the generations it received or made`);
    assert.equal((await readSubvolumeInfo(nodeExec, path.join(store, "amd64", "stage.generations", "gen-2")))?.readOnly, true);
  }

  // Every binpkg built is in the coordinator's PKGDIR and its index, nothing else, nothing half-built.
  const index = parsePackagesIndex(await readFile(path.join(world.pkgdir, "Packages"), "utf8"));
  const files = (await listFiles(world.pkgdir)).filter((file) => file !== "Packages");
  assert.deepEqual(index.packages.map((entry) => entry.path).sort(), files);
  assert.deepEqual(index.packages.map((entry) => entry.cpv).sort(), ["app-misc/base-one-1.0", "app-misc/left-one-1.0", "app-misc/right-one-1.0"]);
  // Only what a build added was sent: base-one by the step that built it, not by those that merged it.
  const sent = workers.map((worker) => worker.output()).join("\n").split("\n").filter((line) => line.includes("sent the binpkgs it built"));
  assert.deepEqual(sent.map((line) => /amd64 (\w+): sent the binpkgs it built to the coordinator: (.*)$/.exec(line)?.slice(1).join(" ")).sort(), [
    "base app-misc/base-one/base-one-1.0-1.gpkg.tar", "left app-misc/left-one/left-one-1.0-1.gpkg.tar", "right app-misc/right-one/right-one-1.0-1.gpkg.tar",
  ]);
});

test("a worker lacking a path the plan reads as planned (a bind's source) refuses the job with one line, before any container starts", { skip, timeout: 120_000 }, async (t) => {
  const dir = suite.fixture().dir;
  const world = await createWorld(dir);
  t.after(await leakGuard(dir));
  // The coordinator checks a bind's source on its own host before the run; the worker's host lacks it
  // (here: it is gone by the time the only worker starts).
  const missing = path.join(world.root, "ccache-only-on-the-coordinator");
  await mkdir(missing);
  await writeFile(world.config, configText(world, [
    `  - {from: ${missing}, to: /var/cache/ccache, writable: true}`,
    "sync: false", "tasks:", runTask("lonely", false, "emerge app-misc/lonely-one"), "",
  ].join("\n")));
  const remote = await startRemoteFleet(t, world, 0);
  await waitFor("the job to be queued", async () => remote.stdout().includes("amd64: lonely: queued"), 30_000);
  await rm(missing, { recursive: true });
  const workers = [remote.addWorker()];
  const done = await remote.done;
  assert.equal(done.code, 1, `${done.stdout}\n${done.stderr}`);
  const line = `target amd64: ${missing} (bind /var/cache/ccache) is missing on this worker; every worker host needs the plan's etc_portage, repository, DISTDIR and binds at the coordinator's paths (config management or a shared mount)`;
  assert.ok(done.stdout.includes(`amd64: lonely: failed (${line})`), done.stdout);
  assert.ok(workers[0]?.output().includes(line), workers[0]?.output());
  assert.equal(await exists(path.join(world.record, "lonely.start")), false, "no container ran");
  assert.deepEqual(await readdir(world.pkgdir), [], "nothing reached the coordinator's PKGDIR");
});

test("transfer options: --listen needs --token-file and TLS beyond loopback, --coordinator needs --token-file and --store and HTTPS beyond loopback; each problem is one line, exit 2", { skip, timeout: 60_000 }, async () => {
  const dir = await mkdtemp(path.join(suite.fixture().dir, "options-"));
  const token = await writeToken(dir, "token", "e".repeat(64));
  const world = await createWorld(dir);
  await writeFile(world.config, configText(world, "sync: false\ntasks:\n  - install: app-misc/hello\n"));
  const fleet = await writeFleet(world);
  const cases: [string[], string][] = [
    [["worker", "--redis", "redis://127.0.0.1:1", "--coordinator", "http://127.0.0.1:1", "--token-file", token], "binpkgbot: --coordinator needs --store DIR, a directory on btrfs where the worker keeps its copies of the targets"],
    [["worker", "--redis", "redis://127.0.0.1:1", "--coordinator", "http://127.0.0.1:1", "--store", dir], "binpkgbot: --coordinator needs --token-file FILE, a copy of the coordinator's token file (mode 600)"],
    [["worker", "--redis", "redis://127.0.0.1:1", "--token-file", token], "binpkgbot: --token-file is for a coordinator on another host: give --coordinator URL too"],
    [["worker", "--redis", "redis://127.0.0.1:1", "--coordinator", "http://192.0.2.1:8737", "--token-file", token, "--store", dir], "binpkgbot: --coordinator http://192.0.2.1:8737: 'http://192.0.2.1:8737' is plain HTTP to 192.0.2.1, which is not loopback: the token and the stages would cross the network unencrypted; use https:// (or allow plain HTTP explicitly behind a TLS tunnel)"],
    [["coordinator", "-c", fleet, "--redis", "redis://127.0.0.1:1", "--listen", "127.0.0.1:0"], "binpkgbot: --listen needs --token-file FILE, the workers' bearer token (openssl rand -hex 32 > FILE; chmod 600 FILE)"],
    [["coordinator", "-c", fleet, "--redis", "redis://127.0.0.1:1", "--token-file", token], "binpkgbot: --token-file is for the transfer server: give --listen ADDR:PORT too"],
    [["coordinator", "-c", fleet, "--redis", "redis://127.0.0.1:1", "--listen", "0.0.0.0:0", "--token-file", token], "binpkgbot: --listen 0.0.0.0:0: the transfer server would listen on 0.0.0.0 without TLS: give a certificate and key, listen on 127.0.0.1 behind a TLS reverse proxy, or allow plain HTTP explicitly"],
  ];
  for (const [args, line] of cases) {
    const result = await runCli(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stderr.trim(), line);
  }
});

test("over HTTPS: coordinator --tls-cert --tls-key, a worker trusting the certificate through --ca-file builds and sends its binpkg home", { skip, timeout: 120_000 }, async (t) => {
  const dir = suite.fixture().dir;
  const world = await createWorld(dir);
  t.after(await leakGuard(dir));
  const [certFile, keyFile] = [path.join(world.root, "cert.pem"), path.join(world.root, "key.pem")];
  await nodeExec.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile]);
  await writeFile(world.config, configText(world, ["sync: false", "tasks:", runTask("secure", false, "emerge app-misc/secure-one"), ""].join("\n")));
  const remote = await startRemoteFleet(t, world, 1, { certFile, keyFile });
  assert.match(remote.url, /^https:/);
  const done = await remote.done;
  assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
  assert.match(remote.workers[0]?.output() ?? "", /amd64 secure: sent the binpkgs it built to the coordinator: app-misc\/secure-one\/secure-one-1\.0-1\.gpkg\.tar/);
  assert.deepEqual(parsePackagesIndex(await readFile(path.join(world.pkgdir, "Packages"), "utf8")).packages.map((entry) => entry.cpv), ["app-misc/secure-one-1.0"]);
});
