// `server: NAME` and `server: all` tasks (src/config/server-tasks.ts, src/plan/plan-server-task.ts): one
// throw-away step per server with that server's /etc/portage and world, and unknown names as issues.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../../src/config/load.js";
import { formatIssue } from "../../../src/config/issues.js";
import { planRun } from "../../../src/plan/plan-run.js";
import { renderPlanText } from "../../../src/plan/render-plan.js";
import type { ContainerStep } from "../../../src/plan/plan.js";
import { memoryFiles } from "../../support/memory-files.js";

const HEAD = "stage: /s\netc_portage: /e\nportage_repo: /r\npkgdir: /p\nstate_dir: /state\nsync: false\n";
const SERVERS = "servers:\n  - {name: web1, etc_portage: servers/web1/portage, world: servers/web1/world, sets: [sets/extra]}\n  - {name: db1, report: true, token_file: db1.token}\n";

function load(tasks: string) {
  return loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${HEAD}${SERVERS}tasks:\n${tasks}` }));
}

function steps(tasks: string): ContainerStep[] {
  const result = load(tasks);
  if (!result.ok) assert.fail(result.issues.map(formatIssue).join("\n"));
  return planRun({ config: result.config, host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r1" }).steps
    .map((step) => (step.kind === "container" ? step : assert.fail(`${step.task.id} is not a container step`)));
}

test("server: NAME is a throw-away step: @world with --usepkg, --emptytree and --oneshot, the server's /etc/portage and world", () => {
  const [step] = steps("  - server: web1\n");
  assert.ok(step);
  assert.deepEqual([step.task.id, step.task.kind, step.task.title, step.persist], ["server-web1", "server", "build @world of server web1", false]);
  assert.deepEqual(step.spec.command, ["emerge", "--usepkg", "--emptytree", "--oneshot", "@world"]);
  assert.equal(step.spec.ephemeral, true);
  assert.equal(step.spec.env.FEATURES, "buildpkg", "a binpkg of every build");
  assert.equal(step.etcPortage.from, "/c/servers/web1/portage", "not the admin's etc_portage");
  assert.deepEqual(step.etcPortage.server, {
    name: "web1", copies: { etcPortage: "/c/servers/web1/portage", world: "/c/servers/web1/world" }, stateDir: "/state",
    sets: ["/c/sets/extra"], varLib: "/state/work/r1/server-web1/var-lib-portage",
  });
  const binds = step.spec.binds.map((bind) => `${bind.from}:${bind.to}:${bind.writable ? "rw" : "ro"}`);
  for (const bind of ["/state/work/r1/server-web1/etc-portage:/etc/portage:ro",
    "/state/work/r1/server-web1/var-lib-portage/world:/var/lib/portage/world:ro",
    "/state/work/r1/server-web1/var-lib-portage/world_sets:/var/lib/portage/world_sets:ro", "/p:/var/cache/binpkgs:rw"]) {
    assert.ok(binds.includes(bind), `${bind} in ${binds.join(" ")}`);
  }
});

test("a reporting server's /etc/portage is read from its last report under state_dir", () => {
  const [step] = steps("  - server: db1\n");
  assert.equal(step?.etcPortage.from, "/state/servers/db1/etc/portage");
  assert.equal(step?.etcPortage.server?.copies, null);
});

test("server: all is one step per declared server, in their order; plan shows each", () => {
  const all = steps("  - install: app-misc/tmux\n  - server: all\n");
  assert.deepEqual(all.map((step) => step.task.id), ["install-app-misc-tmux", "server-web1", "server-db1"]);
  const result = load("  - server: all\n");
  assert.ok(result.ok);
  const shown = renderPlanText(planRun({ config: result.ok ? result.config : assert.fail(), host: { systemdPid1: false, stageFilesystem: "btrfs" }, runId: "r1" }));
  assert.match(shown, /build @world of server web1/);
  assert.match(shown, /build @world of server db1/);
});

test("an unknown server is an issue at the task's server key, naming the known servers; server: all without servers too", () => {
  const result = load("  - install: app-misc/tmux\n  - server: web9\n");
  assert.equal(result.ok, false);
  assert.deepEqual(result.ok ? [] : result.issues.map(formatIssue), [
    "/c/binpkgbot.yml:12:13: tasks[1].server: no server named 'web9' in servers: (use one of: web1, db1, or all)",
  ]);
  const none = loadConfig("/c/binpkgbot.yml", memoryFiles({ "/c/binpkgbot.yml": `${HEAD}tasks:\n  - server: all\n` }));
  assert.deepEqual(none.ok ? [] : none.issues.map(formatIssue), [
    "/c/binpkgbot.yml:8:13: tasks[0].server: server: all, but no servers are declared (declare the servers under servers: (name, etc_portage and world, or report: true))",
  ]);
});

test("two tasks for one server are the same task", () => {
  const result = load("  - server: web1\n  - server: all\n");
  assert.equal(result.ok, false);
  assert.match(result.ok ? "" : result.issues.map(formatIssue).join("\n"), /task 'server-web1' is the same as the task at \/c\/binpkgbot.yml:11/);
});
