// Stage generations between a coordinator and two worker stores over HTTP on loopback, with real
// btrfs send and receive on the fixture's filesystem.
import assert from "node:assert/strict";
import { chmod, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { test } from "node:test";
import { createSnapshot, createSubvolume, deleteSubvolume } from "../../src/container/btrfs.js";
import { nodeExec, runChecked } from "../../src/exec/exec.js";
import { createHttpStageSync, StageSyncError } from "../../src/fleet/transfer/stage-sync.js";
import { createTransferHandler } from "../../src/fleet/transfer/transfer-handler.js";
import { startTransferServer } from "../../src/fleet/transfer/transfer-server.js";
import { readTransferToken } from "../../src/fleet/transfer/transfer-token.js";
import { parseSubvolumeShow, readSubvolumeInfo } from "../../src/fleet/transfer/subvolume-info.js";
import { readCurrent, readGenerations, stageLayout } from "../../src/stage/layout.js";
import { integrationSuite } from "./harness/suite.js";
import { createTransferWorld } from "./support/transfer-world.js";

const suite = await integrationSuite();
const { skip } = suite;

async function parentUuid(subvolume: string): Promise<string | null> {
  const shown = await runChecked(nodeExec, ["btrfs", "subvolume", "show", subvolume]);
  const parent = /^\s*Parent UUID:\s*(\S+)$/m.exec(shown.stdout)?.[1];
  return parent === undefined || parent === "-" ? null : parent;
}

/** A worker's persisting step: a writable snapshot of the generation it got, changed. */
async function persistOn(base: string, work: string, file: string, text: string): Promise<void> {
  await createSnapshot(nodeExec, base, work);
  await writeFile(path.join(work, file), text);
}

test("a worker gets the named generation, pushes the one its persisting step made, and the coordinator makes it current; a second worker gets that one incrementally", { skip, timeout: 120_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir);
  t.after(() => world.close());
  const first = await world.worker("worker-1");
  const second = await world.worker("worker-2");

  const gen1 = await first.ensureGeneration("amd64-server", "gen-1");
  assert.equal(gen1, path.join(first.store, "amd64-server", "stage.generations", "gen-1"));
  assert.equal(await readFile(path.join(gen1, "etc/os-release"), "utf8"), "ID=gentoo\n");
  assert.equal((await readSubvolumeInfo(nodeExec, gen1))?.readOnly, true);

  const work = path.join(first.store, "work");
  await persistOn(gen1, work, "upgraded", "gen-2 was made on worker-1\n");
  await first.pushGeneration("amd64-server", "gen-1", "gen-2", work);
  await deleteSubvolume(nodeExec, work);
  const layout = stageLayout(world.target.stage);
  assert.deepEqual(await readCurrent(layout), { kind: "generation", name: "gen-2", path: path.join(layout.generationsDir, "gen-2") });
  assert.equal(await readFile(path.join(world.target.stage, "upgraded"), "utf8"), "gen-2 was made on worker-1\n");
  assert.equal((await readGenerations(layout)).at(-1)?.meta?.task, "pushed by a worker");
  assert.deepEqual((await readdir(layout.generationsDir)).filter((name) => name.includes("incoming") || name === "next"), []);
  assert.deepEqual((await readdir(path.join(first.store, "amd64-server", "stage.generations"))).sort(), ["gen-1", "gen-2"]);

  await second.ensureGeneration("amd64-server", "gen-1");
  const gen2 = await second.ensureGeneration("amd64-server", "gen-2");
  assert.equal(await readFile(path.join(gen2, "upgraded"), "utf8"), "gen-2 was made on worker-1\n");
  // Received as a snapshot of a copy of gen-1 (btrfs receive takes any on its filesystem; here all are
  // on one): the stream was incremental. A full receive has no parent.
  const copies = [path.join(second.store, "amd64-server", "stage.generations", "gen-1"), gen1, path.join(stageLayout(world.target.stage).generationsDir, ".transfer", "gen-1")];
  const uuids = await Promise.all(copies.map(async (copy) => parseSubvolumeShow((await runChecked(nodeExec, ["btrfs", "subvolume", "show", copy])).stdout)?.uuid));
  assert.ok(uuids.includes((await parentUuid(gen2)) ?? "none"), `the parent of ${gen2} is one of ${uuids.join(", ")}`);
  // The worker that made gen-2 has it already: no transfer, the same subvolume.
  assert.equal(await first.ensureGeneration("amd64-server", "gen-2"), path.join(first.store, "amd64-server", "stage.generations", "gen-2"));
});

test("a worker asked for a generation the coordinator does not have refuses with one line, and its store stays as it was", { skip, timeout: 60_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 1);
  t.after(() => world.close());
  const worker = await world.worker("worker");
  await worker.ensureGeneration("amd64-server", "gen-1");
  const refused = await worker.ensureGeneration("amd64-server", "gen-4").then(() => null, (error: unknown) => error);
  assert.ok(refused instanceof StageSyncError, String(refused));
  assert.equal(refused.message.split("\n").length, 1);
  assert.match(refused.message, /^target amd64-server: the job names stage gen-4, but the coordinator has gen-1 \(current gen-1\); refusing to build on another generation/);
  assert.deepEqual(await readdir(path.join(worker.store, "amd64-server", "stage.generations")), ["gen-1"]);
});

test("a push made on a generation the stage has moved on from is refused; nothing it sent stays on the coordinator", { skip, timeout: 120_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 1);
  t.after(() => world.close());
  const first = await world.worker("worker-1");
  const second = await world.worker("worker-2");
  const [a, b] = [await first.ensureGeneration("amd64-server", "gen-1"), await second.ensureGeneration("amd64-server", "gen-1")];
  await persistOn(a, path.join(first.store, "work"), "made-by", "worker-1\n");
  await persistOn(b, path.join(second.store, "work"), "made-by", "worker-2\n");
  await first.pushGeneration("amd64-server", "gen-1", "gen-2", path.join(first.store, "work"));
  const late = await second.pushGeneration("amd64-server", "gen-1", "gen-2", path.join(second.store, "work")).then(() => null, (error: unknown) => error);
  assert.ok(late instanceof StageSyncError, String(late));
  assert.match(late.message, /gen-2 was made on gen-1, but the stage is at gen-2 now; it is not taken/);
  const layout = stageLayout(world.target.stage);
  assert.equal(await readFile(path.join(world.target.stage, "made-by"), "utf8"), "worker-1\n");
  assert.deepEqual((await readdir(layout.generationsDir)).filter((name) => /^gen-|next|incoming/.test(name)).sort(), ["gen-1", "gen-2", "gen-2.json"]);
  assert.deepEqual(await readdir(path.join(second.store, "amd64-server", "stage.generations")), ["gen-1"], "the refused push's snapshot was removed");
  for (const store of [first.store, second.store]) await deleteSubvolume(nodeExec, path.join(store, "work"));
});

test("a pushed stream cut off midway never becomes a generation: the coordinator deletes what it received", { skip, timeout: 120_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 8);
  t.after(() => world.close());
  const worker = await world.worker("worker");
  const gen1 = await worker.ensureGeneration("amd64-server", "gen-1");
  const incoming = path.join(worker.store, "amd64-server", "stage.generations", "gen-2.incoming");
  const work = path.join(worker.store, "work");
  await persistOn(gen1, work, "big", "");
  await runChecked(nodeExec, ["dd", "if=/dev/urandom", `of=${path.join(work, "big")}`, "bs=1M", "count=8", "status=none"]);
  await createSnapshot(nodeExec, work, incoming, { readonly: true });
  const stream = (await nodeExec.run(["sh", "-c", `btrfs send -q -p ${gen1} ${incoming} | head -c 4000000 | base64 -w0`])).stdout;
  const half = Buffer.from(stream, "base64");
  assert.equal(half.length, 4_000_000);

  const url = new URL("/fleet/amd64-server/generations/gen-2?parent=gen-1", world.server.url);
  const req = http.request(url, { method: "PUT", headers: { authorization: `Bearer ${world.token}`, "content-length": String(half.length * 3) } });
  const answered = new Promise<number | null>((resolve) => {
    req.on("response", (res) => resolve(res.statusCode ?? null));
    req.on("error", () => resolve(null));
  });
  req.write(half);
  await new Promise((resolve) => setTimeout(resolve, 500));
  req.destroy();
  await answered;
  const layout = stageLayout(world.target.stage);
  for (let tries = 0; tries < 50 && (await readdir(layout.generationsDir)).some((name) => name.includes("incoming")); tries += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual((await readdir(layout.generationsDir)).filter((name) => !name.startsWith(".")).sort(), ["gen-1"]);
  assert.deepEqual(await readCurrent(layout), { kind: "generation", name: "gen-1", path: path.join(layout.generationsDir, "gen-1") });
  // The coordinator is free again: the whole push goes through, and removes what a receive
  // interrupted by a crash of the coordinator would have left.
  await deleteSubvolume(nodeExec, incoming);
  await createSubvolume(nodeExec, path.join(layout.generationsDir, "gen-9.incoming"));
  await worker.pushGeneration("amd64-server", "gen-1", "gen-2", work);
  assert.deepEqual((await readdir(layout.generationsDir)).filter((name) => name.includes("incoming")), []);
  assert.deepEqual(await readCurrent(layout), { kind: "generation", name: "gen-2", path: path.join(layout.generationsDir, "gen-2") });
  await deleteSubvolume(nodeExec, work);
});

test("requests without the coordinator's token are refused before anything is read or sent", { skip, timeout: 30_000 }, async (t) => {
  const world = await createTransferWorld(suite.fixture().dir, 1);
  t.after(() => world.close());
  for (const authorization of [undefined, "Bearer wrong-token-of-enough-length", `Basic ${world.token}`]) {
    const res = await fetch(new URL("/fleet/amd64-server/generations/gen-1/stream", world.server.url), { headers: authorization ? { authorization } : {} });
    assert.equal(res.status, 401, authorization);
    assert.match(await res.text(), /a valid bearer token is needed/);
  }
  const ok = await fetch(new URL("/fleet/amd64-server/generations", world.server.url), { headers: { authorization: `Bearer ${world.token}` } });
  assert.equal(ok.status, 200);
  assert.equal(((await ok.json()) as { current: string }).current, "gen-1");
});

test("over HTTPS with the admin's certificate and key, a worker trusting it through a CA file gets its generation; plain HTTP beyond loopback is refused on both sides", { skip, timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(path.join(suite.fixture().dir, "tls-"));
  const [certFile, keyFile] = [path.join(dir, "cert.pem"), path.join(dir, "key.pem")];
  await runChecked(nodeExec, ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile]);
  const world = await createTransferWorld(suite.fixture().dir, 1, undefined, { certFile, keyFile });
  t.after(() => world.close());
  assert.match(world.server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const worker = await world.worker("worker");
  assert.equal(await readFile(path.join(await worker.ensureGeneration("amd64-server", "gen-1"), "etc/os-release"), "utf8"), "ID=gentoo\n");
  const untrusted = await createHttpStageSync({ coordinator: { url: world.server.url, token: world.token }, store: worker.store });
  await assert.rejects(untrusted.ensureGeneration("amd64-server", "gen-1"), /self-signed certificate|unable to verify/);

  await assert.rejects(createHttpStageSync({ coordinator: { url: "http://192.0.2.1:8080", token: world.token }, store: worker.store }),
    /plain HTTP to 192\.0\.2\.1, which is not loopback/);
  const handler = createTransferHandler({ targets: [world.target], token: world.token });
  await assert.rejects(startTransferServer({ handler, host: "0.0.0.0", port: 0 }), /would listen on 0\.0\.0\.0 without TLS/);
});

test("a token file others can read is refused; one of mode 600 is read", { skip, timeout: 10_000 }, async () => {
  const file = path.join(await mkdtemp(path.join(suite.fixture().dir, "token-")), "token");
  await writeFile(file, `${"a".repeat(64)}\n`, { mode: 0o644 });
  await assert.rejects(readTransferToken(file), /token file .* is readable by others \(mode 644\).*chmod 600/);
  await chmod(file, 0o600);
  assert.equal(await readTransferToken(file), "a".repeat(64));
});
