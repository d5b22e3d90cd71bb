// The notifier with a fake fetch and a fake sendmail: what is sent, once per change, and that failures
// of a channel are logged and never thrown.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import type { NotifySettings } from "../../../src/config/config.js";
import type { Exec, ExecOptions } from "../../../src/exec/exec.js";
import { renderMail } from "../../../src/notify/mail.js";
import { createNotifier } from "../../../src/notify/notifier.js";
import type { Failure } from "../../../src/failure/failure.js";

const broken: Failure = {
  class: "build", summary: "app-misc/broken-1.0 failed in src_compile",
  fix: ["read the build log: binpkgbot log broken", "mask it until it is fixed: modifiers: {mask: [=app-misc/broken-1.0]}"],
  details: ["make: *** [Makefile:12: all] Error 1"], packages: ["app-misc/broken-1.0"], buildLog: "/logs/broken/build.log", phase: "src_compile",
};

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-notify-"));
after(() => rm(root, { recursive: true, force: true }));
let dirs = 0;

function setUp(notify: NotifySettings, fetchImpl?: typeof fetch, webhookTimeoutMs?: number) {
  const stateDir = path.join(root, `state${++dirs}`);
  const posts: unknown[] = [];
  const mails: { argv: readonly string[]; input: string | undefined }[] = [];
  const lines: string[] = [];
  const exec: Exec = {
    run: async (argv, options?: ExecOptions) => {
      mails.push({ argv, input: options?.input });
      return { argv, code: 0, signal: null, stdout: "", stderr: "" };
    },
  };
  const fakeFetch = (async (_url: string, init: RequestInit) => {
    posts.push(JSON.parse(String(init.body)));
    return new Response("ok", { status: 200 });
  }) as unknown as typeof fetch;
  const make = () => createNotifier({
    settings: () => ({ notify, stateDir }), exec, fetch: fetchImpl ?? fakeFetch, webhookTimeoutMs, host: "builder", now: () => new Date(Date.UTC(2026, 10, 26, 3)),
    log: { info: (_e, m) => void lines.push(`info: ${m}`), warning: (_e, m) => void lines.push(`warning: ${m}`) },
  });
  return { make, posts, mails, lines, stateDir };
}

const webhook = { webhook: "http://127.0.0.1:9/hook", mail: null };

describe("notifier", () => {
  it("posts the summary once per change of a task's state", async () => {
    const world = setUp(webhook);
    const notifier = world.make();
    await notifier.taskResults(1, [{ taskId: "a", result: "succeeded", reason: null }]);
    await notifier.taskResults(2, [{ taskId: "a", result: "failed", reason: "exit 1" }]);
    await notifier.taskResults(3, [{ taskId: "a", result: "failed", reason: "exit 1" }]);
    await notifier.taskResults(4, [{ taskId: "a", result: "succeeded", reason: null }]);
    assert.deepEqual(world.posts, [
      { event: "failed", task: "a", run: 2, result: "failed", reason: "exit 1", failure: null, host: "builder", time: "2026-11-26T03:00:00.000Z" },
      { event: "recovered", task: "a", run: 4, result: "succeeded", reason: null, failure: null, host: "builder", time: "2026-11-26T03:00:00.000Z" },
    ]);
  });

  it("remembers what it sent across a restart", async () => {
    const world = setUp(webhook);
    await world.make().taskResults(1, [{ taskId: "a", result: "failed", reason: "exit 1" }]);
    assert.match(await readFile(path.join(world.stateDir, "notify.json"), "utf8"), /"a": "failed"/);
    await world.make().taskResults(2, [{ taskId: "a", result: "failed", reason: "exit 1" }]);
    assert.equal(world.posts.length, 1);
  });

  it("a webhook that hangs is given up after its timeout, logged, never thrown", { timeout: 5_000 }, async () => {
    // Answers only when the request is aborted, as a receiver that accepts the connection and never replies.
    const hanging = (async (_url: string, init: RequestInit) => new Promise((_resolve, reject) => {
      init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
    })) as unknown as typeof fetch;
    const world = setUp(webhook, hanging, 50);
    // AbortSignal.timeout's timer does not keep Node alive; in the daemon the servers do.
    const alive = setTimeout(() => undefined, 5_000);
    await world.make().problem("run-not-started", "locked").finally(() => clearTimeout(alive));
    assert.match(world.lines.join("\n"), /warning: could not notify webhook http:\/\/127\.0\.0\.1:9\/hook: webhook .*: no answer within 50 ms/);
  });

  it("a webhook that fails is logged, never thrown", async () => {
    const refused = setUp(webhook, (async () => { throw new TypeError("fetch failed"); }) as unknown as typeof fetch);
    await refused.make().problem("run-not-started", "locked");
    assert.match(refused.lines.join("\n"), /warning: could not notify webhook http:\/\/127\.0\.0\.1:9\/hook: webhook .*fetch failed/);
    const failing = setUp(webhook, (async () => new Response("no", { status: 500, statusText: "Internal Server Error" })) as unknown as typeof fetch);
    await failing.make().problem("run-not-started", "locked");
    assert.match(failing.lines.join("\n"), /answered 500 Internal Server Error/);
  });

  it("mails through sendmail -t with the message on stdin", async () => {
    const world = setUp({ webhook: null, mail: { to: "root@localhost", from: "binpkgbot@builder", sendmail: "/usr/sbin/sendmail" } });
    await world.make().problem("config-invalid", "binpkgbot.yml:3:1: tasks: expected a list");
    assert.equal(world.mails.length, 1);
    assert.deepEqual(world.mails[0]?.argv, ["/usr/sbin/sendmail", "-t"]);
    const input = world.mails[0]?.input ?? "";
    assert.match(input, /^To: root@localhost\nFrom: binpkgbot@builder\nSubject: binpkgbot on builder: the edited config is invalid/);
    assert.match(input, /\n\nthe edited config is invalid; the previous one stays in use: binpkgbot.yml:3:1/);
  });

  it("a failed task's class, summary, fix and details go into the webhook's JSON and the mail; a deterministic failure starts a quarantine", async () => {
    const world = setUp({ webhook: webhook.webhook, mail: { to: "root@localhost", from: null, sendmail: "/usr/sbin/sendmail" } });
    await world.make().taskResults(7, [{ taskId: "broken", result: "failed", reason: "exit code 1; see /logs/broken.log", failure: broken }]);
    assert.deepEqual(world.posts, [{
      event: "quarantined", task: "broken", run: 7, result: "failed", reason: "exit code 1; see /logs/broken.log", failure: broken,
      host: "builder", time: "2026-11-26T03:00:00.000Z",
    }]);
    const [headers = "", body = ""] = (world.mails[0]?.input ?? "").split("\n\n");
    assert.match(headers, /^Subject: binpkgbot on builder: task broken failed \(build\): app-misc\/broken-1\.0 failed in src_compile; it is not rebuilt until /m);
    assert.deepEqual(body.split("\n"), [
      "task broken failed (build): app-misc/broken-1.0 failed in src_compile; it is not rebuilt until its inputs change (binpkgbot run --force broken to try again)",
      "fix: read the build log: binpkgbot log broken",
      "fix: mask it until it is fixed: modifiers: {mask: [=app-misc/broken-1.0]}",
      "> make: *** [Makefile:12: all] Error 1",
      "build log: /logs/broken/build.log",
    ]);
    const fields = (world.mails[0]?.input ?? "").split("\n\n")[2] ?? "";
    assert.match(fields, /^reason: exit code 1; see \/logs\/broken\.log$/m);
    assert.match(fields, /^failure: build\npackages: app-misc\/broken-1\.0$/m);
    assert.doesNotMatch(fields, /\[object Object\]/);
  });

  it("a failed task without a failure is mailed with its reason, as before", async () => {
    const world = setUp({ webhook: null, mail: { to: "root@localhost", from: null, sendmail: "/usr/sbin/sendmail" } });
    await world.make().taskResults(1, [{ taskId: "a", result: "failed", reason: "exit code 1" }]);
    const input = world.mails[0]?.input ?? "";
    assert.match(input, /\n\ntask a failed: exit code 1\n\nevent: failed\n/);
    assert.doesNotMatch(input, /^failure:/m);
  });
});

describe("renderMail", () => {
  it("keeps a multi-line reason out of the headers", () => {
    const text = renderMail(
      { event: "run-not-started", task: null, run: null, result: null, reason: "line one\nSubject: injected", failure: null, host: "h", time: "t" },
      { to: "root", from: null, sendmail: "/usr/sbin/sendmail" },
    );
    const headers = text.split("\n\n")[0] ?? "";
    assert.equal(headers.split("\n").filter((line) => line.startsWith("Subject:")).length, 1);
    assert.doesNotMatch(headers, /injected/);
  });
});
