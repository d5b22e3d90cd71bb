// The worker's copy of a target held for its jobs: the first job points the stage at its generation
// and copies the coordinator's PKGDIR; jobs beside it share the copy; a job for another generation is
// refused while the copy is in use. Real files in a temporary directory; the coordinator is a fake.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, readlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { planStepJob, type StepJob } from "../../../src/fleet/queue/step-job.js";
import { createStorePlace } from "../../../src/fleet/transfer/store-place.js";
import { CoordinatorError, type TransferClient } from "../../../src/fleet/transfer/transfer-client.js";
import { StageSyncError } from "../../../src/fleet/transfer/worker-store.js";
import { PLAN_VERSION, type Plan, type PlannedStep } from "../../../src/plan/plan.js";
import { directoryBtrfs } from "../stage/directory-btrfs.js";

function job(generation: string): StepJob {
  const step: PlannedStep = {
    kind: "host", argv: ["true"], env: {}, persist: false, workDir: "/state/work/r/a", logFile: "/state/logs/r/a.log", files: [],
    task: { id: "a", kind: "run", title: "a", origin: "binpkgbot.yml:3", retries: 0 }, group: 0, after: [],
  };
  const plan: Plan = {
    version: PLAN_VERSION, runId: "r", config: "/c/binpkgbot.yml", stage: "/c/stage", pkgdir: "/c/packages", lockFile: "/c/.stage.lock",
    logDir: "/state/logs/r", warnings: [], steps: [step], groups: [["a"]],
  };
  return planStepJob(plan, "amd64", step, { stageGeneration: generation, fingerprint: null });
}

/** A coordinator that has built nothing yet: its index is a 404. Counts the requests. */
function emptyCoordinator(): TransferClient & { requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    request: async (method, url) => {
      requests.push(`${method} ${url}`);
      throw new CoordinatorError(`${method} ${url}: the coordinator answered 404`, 404);
    },
    json: async () => ({}) as never,
  };
}

test("the first job prepares the copy, the jobs beside it share it, another generation waits for it to be free", async (t) => {
  const store = await mkdtemp(path.join(tmpdir(), "binpkgbot-store-"));
  t.after(() => rm(store, { recursive: true, force: true }));
  const client = emptyCoordinator();
  const lines: string[] = [];
  const place = createStorePlace({ store, client, exec: directoryBtrfs(), say: (line) => lines.push(line) });
  const stage = path.join(store, "amd64", "stage");

  const first = await place.hold(job("gen-1"));
  assert.equal(await readlink(stage), "stage.generations/gen-1");
  assert.equal(await readFile(path.join(store, "amd64", "packages", "Packages"), "utf8"), "", "an empty index where the coordinator has none");
  const beside = await place.hold(job("gen-1"));
  assert.deepEqual(client.requests, ["GET /fleet/amd64/binpkgs/Packages"], "the copy was made once");

  const refused = await place.hold(job("gen-2")).then(() => null, (error: unknown) => error);
  assert.ok(refused instanceof StageSyncError);
  assert.equal(refused.message, "target amd64: a job on gen-1 runs on this worker, this one names gen-2; it is not run on the copy in use");
  assert.equal(await readlink(stage), "stage.generations/gen-1", "the copy in use was not touched");

  first();
  first();
  beside();
  const next = await place.hold(job("gen-2"));
  assert.equal(await readlink(stage), "stage.generations/gen-2");
  assert.equal(client.requests.length, 2, "a free copy is made again");
  next();
  assert.deepEqual(lines, []);
});

test("a job whose shared path is missing is refused with one line naming the path, its use and the fix", async (t) => {
  const store = await mkdtemp(path.join(tmpdir(), "binpkgbot-store-"));
  t.after(() => rm(store, { recursive: true, force: true }));
  const place = createStorePlace({ store, client: emptyCoordinator(), exec: directoryBtrfs(), say: () => undefined });
  const remote = { job: job("gen-1"), shared: [{ use: "etc_portage", path: path.join(store, "no-such-etc-portage") }] };
  await assert.rejects(place.ready(remote), (error: Error) => {
    assert.equal(error.message.split("\n").length, 1);
    assert.match(error.message, /^target amd64: .*no-such-etc-portage \(etc_portage\) is missing on this worker; every worker host needs the plan's etc_portage, repository, DISTDIR and binds at the coordinator's paths/);
    return true;
  });
  await place.ready({ ...remote, shared: [{ use: "etc_portage", path: store }] });
});

test("a copy keeps the generation its jobs run on and the one before; older ones go", async (t) => {
  const store = await mkdtemp(path.join(tmpdir(), "binpkgbot-store-"));
  t.after(() => rm(store, { recursive: true, force: true }));
  const generations = path.join(store, "amd64", "stage.generations");
  for (const name of ["gen-1", "gen-2", "gen-3", "gen-4"]) await mkdir(path.join(generations, name, "etc"), { recursive: true });
  const lines: string[] = [];
  const release = await createStorePlace({ store, client: emptyCoordinator(), exec: directoryBtrfs(), say: (line) => lines.push(line) }).hold(job("gen-3"));
  release();
  assert.deepEqual((await readdir(generations)).sort(), ["gen-3", "gen-4"]);
  assert.deepEqual(lines, ["amd64: removed gen-1, gen-2 from the store (it keeps the newest 2)"]);
});
