// The daemon's webhook, received by a test HTTP server on 127.0.0.1: one POST per change of a task's
// state (quarantined, then nothing while it keeps failing, then recovered), and one for an invalid edit.
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { test } from "node:test";
import type { BtrfsFixture } from "./harness/btrfs-fixture.js";
import { integrationSuite } from "./harness/suite.js";
import { leakGuard } from "./harness/leak-guard.js";
import { waitFor } from "./harness/nspawn-process.js";
import { configText, createWorld, startCli, type World } from "./support/world.js";

let fixture: BtrfsFixture;
const { skip } = await integrationSuite(async (made) => {
  fixture = made;
});

/** A webhook receiver that keeps every JSON body it is posted. */
async function startReceiver(t: { after(fn: () => unknown): void }): Promise<{ url: string; posts: Record<string, unknown>[] }> {
  const posts: Record<string, unknown>[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => {
      posts.push({ method: req.method, contentType: req.headers["content-type"], ...(JSON.parse(body) as Record<string, unknown>) });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts };
}

async function touchRepository(world: World, revision: string): Promise<void> {
  await mkdir(path.join(world.repo, "metadata"), { recursive: true });
  await writeFile(path.join(world.repo, "metadata", "timestamp.chk"), `${revision}\n`);
}

const TASK_RUN_END = /run \d+ \(tasks\): /g;

test("a webhook per change of state: quarantined once (a script that fails is deterministic), nothing while failing, recovered once; an invalid edit once", { skip }, async (t) => {
  const world = await createWorld(fixture.dir);
  t.after(await leakGuard(fixture.dir));
  const receiver = await startReceiver(t);
  const head = `schedule: 1s\nstatus_listen: false\nsync: false\nnotify: {webhook: '${receiver.url}'}\n`;
  const tasks = "tasks:\n  - run: {persist: false, name: flaky, script: 'test -e /var/log/emerge-double/ok'}\n";
  await writeFile(world.config, configText(world, head + tasks));
  const daemon = startCli(["daemon", "-c", world.config, "--log-format", "json"]);
  t.after(async () => {
    if (daemon.child.exitCode === null) daemon.child.kill("SIGKILL");
    await daemon.done;
  });
  let log = "";
  daemon.child.stderr?.on("data", (chunk: string) => (log += chunk));
  const taskRuns = async (n: number): Promise<void> => void (await waitFor(`task run ${n}`, async () => (log.match(TASK_RUN_END) ?? []).length >= n, 30_000));

  await taskRuns(1);
  await waitFor("the first webhook", async () => receiver.posts.length >= 1);
  await touchRepository(world, "second");
  await taskRuns(2);
  await touchRepository(world, "third");
  await writeFile(path.join(world.record, "ok"), "");
  await taskRuns(3);
  await waitFor("the recovery webhook", async () => receiver.posts.length >= 2);

  await writeFile(world.config, configText(world, head + tasks + "  - nope: 1\n"));
  await waitFor("the invalid config webhook", async () => receiver.posts.length >= 3, 15_000);
  daemon.child.kill("SIGHUP");
  await waitFor("the SIGHUP reload attempt", async () => (log.match(/SIGHUP, but the config has 1 problem/g) ?? []).length >= 1);

  daemon.child.kill("SIGTERM");
  const result = await daemon.done;
  assert.equal(result.code, 0, log);
  const [failed, recovered, invalid, ...more] = receiver.posts;
  assert.deepEqual(more, [], "exactly one webhook per change");
  // failure: the Failure where the step was classified, else null; both are "object".
  assert.deepEqual({ ...failed, run: typeof failed?.run, time: typeof failed?.time, host: typeof failed?.host, reason: typeof failed?.reason, failure: typeof failed?.failure },
    { method: "POST", contentType: "application/json", event: "quarantined", task: "flaky", run: "number", result: "failed", reason: "string", failure: "object", host: "string", time: "string" });
  assert.deepEqual([recovered?.event, recovered?.task, recovered?.result], ["recovered", "flaky", "succeeded"]);
  assert.equal(invalid?.event, "config-invalid");
  assert.match(String(invalid?.reason), /binpkgbot\.yml:\d+:\d+: tasks\[1\]\.nope: unknown task kind 'nope'/);
  // main.ts announces a signal in plain text for every command; everything else is the daemon's JSON.
  const lines = log.split("\n").filter((line) => line !== "" && !/^binpkgbot: SIGTERM received/.test(line)).map((line) => JSON.parse(line) as { level: string; event: string; time: string; fields: object });
  assert.ok(lines.every((line) => ["info", "warning", "error"].includes(line.level) && typeof line.event === "string" && typeof line.fields === "object"), "--log-format json: one object per line");
  assert.ok(lines.some((line) => line.event === "notify"), "deliveries are logged");
});
