// The dashboard's actions on a real status server: refused without the token or with a wrong CSRF
// token, done with both (bearer or the login cookie), each logged; and no listening beyond localhost
// without a token.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { csrfTokenOf } from "../../../src/dashboard/auth.js";
import { readDashboardToken } from "../../../src/dashboard/dashboard-server.js";
import { startStatusServer, StatusServerError, type RunningStatusServer } from "../../../src/server/status-server.js";
import { holdFile } from "../../../src/stage/hold.js";
import { stageLayout } from "../../../src/stage/layout-paths.js";
import { readForcedTasks, takeForcedTasks } from "../../../src/state/forced-tasks.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-dashboard-"));
after(() => rm(root, { recursive: true, force: true }));
let count = 0;

async function serve(t: { after(fn: () => Promise<void>): void }, withToken = true): Promise<{ server: RunningStatusServer; log: string[]; dir: string; runs: number[] }> {
  const dir = path.join(root, `case${++count}`);
  await mkdir(path.join(dir, "stage.generations", "gen-1"), { recursive: true });
  await symlink("stage.generations/gen-1", path.join(dir, "stage"));
  await writeFile(path.join(dir, "token"), `${TOKEN}\n`);
  const log: string[] = [];
  const runs: number[] = [];
  const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, {
    stateDir: () => path.join(dir, "state"), stage: () => path.join(dir, "stage"), daemon: () => ({ current: null }),
    dashboard: { tokenFile: withToken ? path.join(dir, "token") : null, log: (line) => log.push(line), runNow: async () => (runs.push(1), "a run started now") },
  });
  t.after(() => server.close());
  return { server, log, dir, runs };
}

async function post(server: RunningStatusServer, action: string, headers: Record<string, string>, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown>; cookie: string | null }> {
  const response = await fetch(`${server.url}${action}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, cookie: response.headers.get("set-cookie") };
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const csrf = { "x-csrf-token": csrfTokenOf(TOKEN) };

describe("dashboard actions", () => {
  it("are refused without the token, with a wrong token, and with a wrong or missing CSRF token; each refusal is logged", async (t) => {
    const { server, log, runs } = await serve(t);
    assert.equal((await post(server, "/api/actions/run-now", csrf)).status, 401);
    assert.equal((await post(server, "/api/actions/run-now", { authorization: "Bearer wrong-token-wrong-token-xx", ...csrf })).status, 401);
    assert.equal((await post(server, "/api/actions/run-now", bearer)).status, 403);
    assert.equal((await post(server, "/api/actions/run-now", { ...bearer, "x-csrf-token": csrfTokenOf("another token of 32 characters..") })).status, 403);
    assert.deepEqual(runs, []);
    assert.equal(log.filter((line) => /^dashboard action run-now refused: /.test(line)).length, 4, log.join("\n"));
  });

  it("run now, force, hold and resume work with the bearer token and the CSRF token, and are logged", async (t) => {
    const { server, log, dir, runs } = await serve(t);
    const now = await post(server, "/api/actions/run-now", { ...bearer, ...csrf });
    assert.deepEqual([now.status, now.body.message], [200, "a run started now"]);
    assert.deepEqual(runs, [1]);
    assert.equal((await post(server, "/api/actions/force", { ...bearer, ...csrf }, { task: "app-misc/foo" })).status, 200);
    assert.deepEqual(await readForcedTasks(path.join(dir, "state")), ["app-misc/foo"]);
    assert.deepEqual(await takeForcedTasks(path.join(dir, "state")), ["app-misc/foo"]);
    assert.deepEqual(await takeForcedTasks(path.join(dir, "state")), [], "a run takes a forced task once");
    assert.equal((await post(server, "/api/actions/force", { ...bearer, ...csrf }, { task: "../x y" })).status, 400);
    const layout = stageLayout(path.join(dir, "stage"));
    assert.equal((await post(server, "/api/actions/hold", { ...bearer, ...csrf })).status, 200);
    assert.equal(JSON.parse(await readFile(holdFile(layout), "utf8")).generation, "gen-1");
    assert.equal((await post(server, "/api/actions/resume", { ...bearer, ...csrf })).status, 200);
    assert.equal(existsSync(holdFile(layout)), false);
    assert.deepEqual(log.map((line) => line.split(":")[0]), [
      "dashboard action run-now", "dashboard action force", "dashboard action force refused", "dashboard action hold", "dashboard action resume",
    ]);
  });

  it("work with the cookie from POST /api/login and the CSRF token it returns; a wrong login gets no cookie", async (t) => {
    const { server } = await serve(t);
    const wrong = await post(server, "/api/login", {}, { token: "not the token at all............" });
    assert.deepEqual([wrong.status, wrong.cookie], [401, null]);
    const login = await post(server, "/api/login", {}, { token: TOKEN });
    assert.equal(login.status, 200);
    assert.match(login.cookie ?? "", /HttpOnly; SameSite=Strict/);
    const cookie = (login.cookie ?? "").split(";")[0] ?? "";
    assert.equal((await post(server, "/api/actions/hold", { cookie })).status, 403, "the cookie alone, as a forged form sends it, is not enough");
    assert.equal((await post(server, "/api/actions/hold", { cookie, "x-csrf-token": String(login.body.csrf) })).status, 200);
  });

  it("are refused when the config has no token_file", async (t) => {
    const { server } = await serve(t, false);
    assert.equal((await post(server, "/api/actions/run-now", { ...bearer, ...csrf })).status, 403);
  });

  it("a server beyond localhost without a token refuses to start, in one line; with one it starts and reading needs the token", async () => {
    await assert.rejects(startStatusServer({ host: "0.0.0.0", port: 0 }, { stateDir: () => root, daemon: () => ({ current: null }) }),
      (error: Error) => error instanceof StatusServerError && /needs|without a token: set dashboard: \{token_file: FILE\}/.test(error.message) && !error.message.includes("\n"));
    const dir = path.join(root, "open");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "token"), TOKEN);
    const server = await startStatusServer({ host: "0.0.0.0", port: 0 }, {
      stateDir: () => dir, daemon: () => ({ current: null }), dashboard: { tokenFile: path.join(dir, "token"), log: () => undefined, runNow: async () => "" },
    });
    try {
      const url = server.url.replace("0.0.0.0", "127.0.0.1");
      assert.equal((await fetch(`${url}/api/runs`)).status, 401);
      assert.equal((await fetch(`${url}/api/runs`, { headers: bearer })).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe("/status", () => {
  it("beyond localhost needs the dashboard's token, and says so in one line; /health stays open", async (t) => {
    const dir = path.join(root, "status-beyond");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "token"), TOKEN);
    const server = await startStatusServer({ host: "0.0.0.0", port: 0 }, {
      stateDir: () => dir, daemon: () => ({ current: null }), dashboard: { tokenFile: path.join(dir, "token"), log: () => undefined, runNow: async () => "" },
    });
    t.after(() => server.close());
    const url = server.url.replace("0.0.0.0", "127.0.0.1");
    for (const headers of [{}, { authorization: "Bearer wrong-token-wrong-token-xx" }] as Record<string, string>[]) {
      const refused = await fetch(`${url}/status`, { headers });
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get("www-authenticate"), "Bearer");
      const { error } = (await refused.json()) as { error: string };
      assert.match(error, /^this status server listens beyond localhost: \/status needs the token of dashboard\.token_file \(send Authorization: Bearer TOKEN\)$/);
      assert.equal((await fetch(`${url}/status`, { method: "HEAD", headers })).status, 401);
    }
    const allowed = await fetch(`${url}/status`, { headers: bearer });
    assert.equal(allowed.status, 200);
    assert.equal(((await allowed.json()) as { ok: boolean }).ok, true);
    assert.equal((await fetch(`${url}/health`)).status, 200);
  });

  it("on localhost is open without a token, also when the config has a token_file", async (t) => {
    for (const withToken of [true, false]) {
      const { server } = await serve(t, withToken);
      const response = await fetch(`${server.url}/status`);
      assert.equal(response.status, 200, `token_file ${withToken ? "set" : "unset"}`);
      assert.equal(((await response.json()) as { ok: boolean }).ok, true);
    }
  });
});

describe("the dashboard's token file", () => {
  it("is read as the reporting servers' token files are: a FIFO, a device or a short token is refused at once, in one line", async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), "dashboard-token-"));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const short = path.join(dir, "short");
    await writeFile(short, "abc\n");
    const good = path.join(dir, "good");
    await writeFile(good, `${"f".repeat(32)}\nignored\n`);
    assert.throws(() => readDashboardToken(fifo), /^Error: dashboard\.token_file: token file \S+fifo is not a regular file$/);
    assert.throws(() => readDashboardToken("/dev/zero"), /^Error: dashboard\.token_file: token file \/dev\/zero is not a regular file$/);
    assert.throws(() => readDashboardToken(short), /holds 3 characters, at least 16 are needed/);
    assert.equal(readDashboardToken(good), "f".repeat(32));
    assert.equal(readDashboardToken(null), null);
  });
});
