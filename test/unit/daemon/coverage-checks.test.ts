// The daemon's coverage checks (src/daemon/coverage-checks.ts) with the check and the host faked: the
// servers asked for are checked, the result lands in the state database and goes to the notifier.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import type { Config } from "../../../src/config/config.js";
import type { ServerCoverage } from "../../../src/coverage/coverage-report.js";
import { createCoverageChecks } from "../../../src/daemon/coverage-checks.js";
import type { Logger } from "../../../src/daemon/log.js";
import type { Exec } from "../../../src/exec/exec.js";
import type { CoverageSummary } from "../../../src/notify/transitions.js";
import { openStateDatabase } from "../../../src/state/database.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-coverage-checks-"));
after(() => rm(root, { recursive: true, force: true }));

const server = (name: string) => ({ name, report: false as const, etcPortage: `/srv/${name}/portage`, world: `/srv/${name}/world`, sets: [], ignore: [] });
const config = { stateDir: root, servers: [server("web1"), server("web2")] } as unknown as Config;
const noExec: Exec = { run: async (argv) => assert.fail(`nothing is run here: ${argv.join(" ")}`) };
const log: Logger = { info: () => undefined, warning: (_e, m) => assert.fail(m), error: (_e, m) => assert.fail(m) };

test("a check of the named servers is recorded per server and handed to the notifier", async () => {
  const checked: string[][] = [];
  const notified: CoverageSummary[][] = [];
  const checks = createCoverageChecks({
    exec: noExec, env: {}, now: () => new Date(Date.UTC(2026, 10, 26, 4)), signal: new AbortController().signal, log,
    notifier: { taskResults: async () => undefined, problem: async () => undefined, serverCoverage: async (results) => void notified.push([...results]) },
    probe: async () => ({ systemdPid1: false }),
    check: async (_config, servers) => {
      checked.push(servers.map((entry) => entry.name));
      return servers.map((entry): ServerCoverage => ({ server: entry.name, status: "uncovered", binaries: 5, compile: [{ cpv: "a/b-1", cp: "a/b", use: [], reason: { kind: "no-binpkg" } }], blocked: [], accepted: [] }));
    },
  });
  await checks.recheck(config, ["web2"]);
  await checks.recheck(config);
  assert.deepEqual(checked, [["web2"], ["web1", "web2"]]);
  assert.deepEqual(notified.map((results) => results.map((r) => [r.server, r.status, r.toCompile])), [[["web2", "uncovered", 1]], [["web1", "uncovered", 1], ["web2", "uncovered", 1]]]);
  const db = openStateDatabase(root);
  assert.deepEqual(db.serverCoverage().map((r) => [r.server, r.status, r.toCompile, r.fromBinpkgs, r.checkedAt.toISOString()]), [
    ["web1", "uncovered", 1, 5, "2026-11-26T04:00:00.000Z"], ["web2", "uncovered", 1, 5, "2026-11-26T04:00:00.000Z"],
  ]);
  db.close();
});
