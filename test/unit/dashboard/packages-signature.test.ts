// The packages API says whether each binpkg is signed, reading its GPKG members under PKGDIR, and
// never opens a path from the state database that leaves PKGDIR.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { startStatusServer } from "../../../src/server/status-server.js";
import { openStateDatabase } from "../../../src/state/database.js";
import { makeGpkg, tarAvailable } from "../binhost/support/make-gpkg.js";
import { runStart, taskStart, tempStateDir } from "../state/state-fixtures.js";

describe("packages API signatures", { skip: tarAvailable() ? false : "no tar" }, () => {
  it("reports signed, unsigned, not-gpkg, and unknown for a path outside PKGDIR", async (t) => {
    const dir = tempStateDir();
    const pkgdir = path.join(dir, "packages");
    makeGpkg({ file: path.join(pkgdir, "app-misc/a/a-1-1.gpkg.tar"), signed: "both" });
    makeGpkg({ file: path.join(pkgdir, "app-misc/b/b-1-1.gpkg.tar"), signed: "none" });
    makeGpkg({ file: path.join(dir, "outside.gpkg.tar"), signed: "both" });
    const state = openStateDatabase(dir);
    const run = state.startRun(runStart());
    const task = state.recordTask(taskStart(run, "a", null), { result: "succeeded", exitCode: 0, durationMs: 1 });
    const entry = { buildId: 1, use: [], size: 1, buildTime: 1, slot: "0", eapi: "8", fields: {} };
    state.recordBinpkgs(task, [
      { ...entry, cpv: "app-misc/a-1", path: "app-misc/a/a-1-1.gpkg.tar" },
      { ...entry, cpv: "app-misc/b-1", path: "app-misc/b/b-1-1.gpkg.tar" },
      { ...entry, cpv: "app-misc/c-1", path: "app-misc/c/c-1.tbz2" },
      { ...entry, cpv: "app-misc/d-1", path: "../outside.gpkg.tar" },
    ]);
    state.close();
    const server = await startStatusServer({ host: "127.0.0.1", port: 0 }, { stateDir: () => dir, pkgdir: () => pkgdir, daemon: () => ({ current: null }) });
    t.after(() => server.close());
    const body = (await (await fetch(`${server.url}/api/packages`)).json()) as { packages: { cpv: string; signature: string }[] };
    assert.deepEqual(body.packages.map((p) => [p.cpv, p.signature]), [
      ["app-misc/d-1", "unknown"], ["app-misc/c-1", "not-gpkg"], ["app-misc/b-1", "unsigned"], ["app-misc/a-1", "signed"],
    ]);
  });
});
