import { test } from "node:test";
import assert from "node:assert/strict";
import type { Exec, ExecOptions, ExecResult } from "../../../src/exec/exec.js";
import {
  BtrfsError, createSnapshot, createSubvolume, deleteSubvolume, parseChildSubvolumes, setReadOnly,
} from "../../../src/container/btrfs.js";

/** Records argv; answers from a table keyed by the joined argv (a list: one answer per call, in turn). */
function fakeExec(answers: Record<string, Partial<ExecResult> | Partial<ExecResult>[]> = {}): Exec & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    async run(argv: readonly string[], _options?: ExecOptions): Promise<ExecResult> {
      calls.push([...argv]);
      const table = answers[argv.join(" ")] ?? {};
      const answer = Array.isArray(table) ? (table.shift() ?? {}) : table;
      return { argv, code: 0, signal: null, stdout: "", stderr: "", ...answer };
    },
  };
}

test("createSnapshot renders -r only when read-only", async () => {
  const exec = fakeExec();
  await createSnapshot(exec, "/s/stage", "/s/snap");
  await createSnapshot(exec, "/s/stage", "/s/ro", { readonly: true });
  assert.deepEqual(exec.calls, [
    ["btrfs", "subvolume", "snapshot", "/s/stage", "/s/snap"],
    ["btrfs", "subvolume", "snapshot", "-r", "/s/stage", "/s/ro"],
  ]);
});

test("createSubvolume failure is a BtrfsError naming the path and the fix", async () => {
  const exec = fakeExec({
    "btrfs subvolume create /x/new": { code: 1, stderr: "ERROR: target path already exists: /x/new\n" },
  });
  await assert.rejects(createSubvolume(exec, "/x/new"), (error: unknown) => {
    assert.ok(error instanceof BtrfsError);
    assert.equal(error.path, "/x/new");
    assert.equal(error.operation, "create");
    assert.match(error.message, /\/x\/new: ERROR: target path already exists/);
    assert.match(error.message, /check that \/x is on btrfs/);
    assert.ok(error.cause instanceof Error);
    return true;
  });
});

const NOT_EMPTY = { code: 1, stderr: "ERROR: cannot delete '/m/stage': Directory not empty\n" };

test("deleteSubvolume deletes nested subvolumes deepest first", async () => {
  const exec = fakeExec({
    "btrfs subvolume delete /m/stage": [NOT_EMPTY, {}],
    "btrfs subvolume delete /m/stage/var/lib/machines": [NOT_EMPTY, {}],
    "btrfs subvolume show /m/stage": { stdout: "pool/stage\n\tName: stage\n" },
    "btrfs subvolume list -o /m/stage": { stdout: "ID 300 gen 9 top level 299 path pool/stage/var/lib/machines\n" },
    "btrfs subvolume show /m/stage/var/lib/machines": { stdout: "pool/stage/var/lib/machines\n" },
    "btrfs subvolume list -o /m/stage/var/lib/machines": { stdout: "ID 301 gen 9 top level 300 path pool/stage/var/lib/machines/inner\n" },
    "btrfs subvolume show /m/stage/var/lib/machines/inner": { stdout: "pool/stage/var/lib/machines/inner\n" },
  });
  await deleteSubvolume(exec, "/m/stage");
  const deletes = exec.calls.filter((argv) => argv[2] === "delete").map((argv) => argv[3]);
  assert.deepEqual(deletes.slice(2), ["/m/stage/var/lib/machines/inner", "/m/stage/var/lib/machines", "/m/stage"]);
});

test("deleting a subvolume without nested ones starts one btrfs process", async () => {
  const exec = fakeExec();
  await deleteSubvolume(exec, "/m/snapshot");
  assert.deepEqual(exec.calls, [["btrfs", "subvolume", "delete", "/m/snapshot"]]);
});

test("deleteSubvolume failure tells how to find the container that holds it", async () => {
  const exec = fakeExec({
    "btrfs subvolume delete /m/busy": { code: 1, stderr: "ERROR: Could not destroy subvolume/snapshot: Device or resource busy\n" },
  });
  await assert.rejects(deleteSubvolume(exec, "/m/busy"), /delete failed for \/m\/busy: .*busy; .*btrfs subvolume delete \/m\/busy/);
});

test("parseChildSubvolumes handles the top-level subvolume", () => {
  assert.deepEqual(parseChildSubvolumes("/mnt/", "/\n", "ID 256 gen 5 top level 5 path stage\n"), ["/mnt/stage"]);
  assert.deepEqual(parseChildSubvolumes("/mnt", "<FS_TREE>\n", "ID 256 gen 5 top level 5 path <FS_TREE>/a/b\n"), ["/mnt/a/b"]);
});

test("setReadOnly sets the subvolume's ro property (btrfs-property(8)) and names the path when it fails", async () => {
  const exec = fakeExec({ "btrfs property set -ts /s/kept ro true": { code: 1, stderr: "ERROR: not a subvolume\n" } });
  await assert.rejects(setReadOnly(exec, "/s/kept"), (error: unknown) => {
    assert.ok(error instanceof BtrfsError);
    assert.equal(error.message, "btrfs property set failed for /s/kept: ERROR: not a subvolume; check that /s/kept is a btrfs subvolume");
    return true;
  });
  assert.deepEqual(exec.calls, [["btrfs", "property", "set", "-ts", "/s/kept", "ro", "true"]]);
});
