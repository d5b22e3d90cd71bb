// One sync per repository per fleet run: the first target naming it syncs, the others naming the same
// repository (by real path) do not, and a target that syncs nothing stays so.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Config } from "../../../src/config/config.js";
import { assignSyncs, syncedByNotice } from "../../../src/fleet/sync-once.js";

const config = (portageRepo: string, sync: Config["sync"] = { kind: "emerge" }): Config => ({ portageRepo, sync } as unknown as Config);

test("the first target naming a repository syncs it; later ones naming the same real path do not, and say who does", () => {
  const real = (repo: string): string => (repo === "/var/db/repos/gentoo-link" ? "/var/db/repos/gentoo" : repo);
  const assigned = assignSyncs([
    { name: "quiet", config: config("/var/db/repos/gentoo", { kind: "none" }) },
    { name: "amd64", config: config("/var/db/repos/gentoo") },
    { name: "arm64", config: config("/var/db/repos/gentoo-link") },
    { name: "overlay", config: config("/srv/overlay", { kind: "script", host: true, script: "git pull" }) },
    { name: "amd64-server", config: config("/var/db/repos/gentoo", { kind: "script", host: false, script: "emaint sync" }) },
  ], real);
  assert.deepEqual([...assigned].map(([name, { config: c, syncedBy }]) => [name, c.sync.kind, syncedBy]), [
    ["quiet", "none", null],
    ["amd64", "emerge", null],
    ["arm64", "none", "amd64"],
    ["overlay", "script", null],
    ["amd64-server", "none", "amd64"],
  ]);
  assert.equal(assigned.get("arm64")?.config.portageRepo, "/var/db/repos/gentoo-link", "only sync changes");
  assert.equal(syncedByNotice(config("/var/db/repos/gentoo"), "amd64"), "the repository /var/db/repos/gentoo is synced once in this run, by target amd64; this target does not sync it again");
});
