// watchFiles (src/daemon/watch-files.ts) tells which files changed: a report link replaced by rename
// names its server.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { watchFiles } from "../../../src/daemon/watch-files.js";

const root = await mkdtemp(path.join(tmpdir(), "binpkgbot-watch-"));
after(() => rm(root, { recursive: true, force: true }));

test("a link replaced by rename is reported by its path; an unchanged one is not", async () => {
  for (const dir of ["gen-1", "gen-2", "other"]) await mkdir(path.join(root, dir));
  const web1 = path.join(root, "web1");
  const web2 = path.join(root, "web2");
  await symlink("gen-1", web1);
  await symlink("other", web2);
  const changes: string[][] = [];
  const watcher = watchFiles({ files: () => [web1, web2], onChange: (changed) => void changes.push(changed), intervalMs: 10, debounceMs: 20 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await symlink("gen-2", `${web1}.new`);
    await rename(`${web1}.new`, web1);
    for (let waited = 0; changes.length === 0 && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(changes, [[web1]]);
  } finally {
    watcher.stop();
  }
});
