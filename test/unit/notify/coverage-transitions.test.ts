// A server that becomes uncovered, or covered again, is notified once (src/notify/transitions.ts,
// decideCoverageTransitions), through the notifier with a fake webhook, and its memory survives a restart.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { describeNotification, type Notification } from "../../../src/notify/notification.js";
import { createNotifier } from "../../../src/notify/notifier.js";
import { decideCoverageTransitions, emptyMemory, type CoverageSummary, type NotifyMemory } from "../../../src/notify/transitions.js";
import type { Exec } from "../../../src/exec/exec.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-coverage-notify-"));
after(() => rm(root, { recursive: true, force: true }));

const covered = (server: string): CoverageSummary => ({ server, status: "covered", toCompile: 0 });
const uncovered = (server: string, toCompile: number): CoverageSummary => ({ server, status: "uncovered", toCompile });

function eventsOf(checks: CoverageSummary[][]): string[][] {
  let memory: NotifyMemory = emptyMemory();
  return checks.map((results) => {
    const decided = decideCoverageTransitions(memory, results);
    memory = decided.memory;
    return decided.transitions.map((t) => `${t.event} ${t.server} ${t.toCompile}`);
  });
}

describe("coverage notifications", () => {
  it("once when a server becomes uncovered, once when it is covered again; a first covered check says nothing", () => {
    assert.deepEqual(eventsOf([[covered("web1")], [uncovered("web1", 2)], [uncovered("web1", 3)], [covered("web1")], [covered("web1")]]),
      [[], ["uncovered web1 2"], [], ["covered web1 0"], []]);
  });

  it("a server first seen uncovered is reported; own-stage and failed checks change nothing; servers are independent", () => {
    const arm: CoverageSummary = { server: "web2", status: "own-stage", toCompile: null };
    const broken: CoverageSummary = { server: "web2", status: "error", toCompile: null };
    assert.deepEqual(eventsOf([[uncovered("web2", 1), covered("web1")], [arm], [broken], [uncovered("web2", 1)], [covered("web2"), uncovered("web1", 4)]]),
      [["uncovered web2 1"], [], [], [], ["covered web2 0", "uncovered web1 4"]]);
  });

  it("the notifier sends each change once, naming the server, and remembers across a restart", async () => {
    const sent: Notification[] = [];
    const fakeFetch = (async (_url: string, init: { body: string }) => {
      sent.push(JSON.parse(init.body) as Notification);
      return new Response("", { status: 200 });
    }) as unknown as typeof fetch;
    const noExec: Exec = { run: async () => assert.fail("no mail here") };
    const notifier = () => createNotifier({
      settings: () => ({ notify: { webhook: "http://hooks.example/n", mail: null }, stateDir: root }), exec: noExec, fetch: fakeFetch,
      log: { info: () => undefined, warning: () => undefined }, host: "builder", now: () => new Date(Date.UTC(2026, 10, 26, 3)),
    });
    await notifier().serverCoverage([uncovered("web2", 3)]);
    await notifier().serverCoverage([uncovered("web2", 3)]);
    await notifier().serverCoverage([covered("web2")]);
    assert.deepEqual(sent.map((n) => [n.event, n.server, describeNotification(n)]), [
      ["uncovered", "web2", "server web2 would compile: 3 package(s) to compile (binpkgbot coverage web2 lists them)"],
      ["covered", "web2", "server web2 is covered again: 0 to compile"],
    ]);
  });
});
