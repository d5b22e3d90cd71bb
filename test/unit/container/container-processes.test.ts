import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLockedInodes, parseRootMountSource, parseStat } from "../../../src/container/container-processes.js";
import { isLeftoverName } from "../../../src/container/leftovers.js";
import { withoutNspawnNoise } from "../../../src/container/run-container.js";

test("parseLockedInodes reads OFD, POSIX and FLOCK lines, including waiters", () => {
  const locks = [
    "1: OFDLCK ADVISORY  WRITE -1 00:27:263 0 EOF",
    "2: POSIX  ADVISORY  WRITE 812 fd:01:1048577 0 EOF",
    "3: FLOCK  ADVISORY  WRITE 900 00:19:77 0 EOF",
    "3: -> FLOCK  ADVISORY  WRITE 901 00:19:78 0 EOF",
    "",
  ].join("\n");
  assert.deepEqual([...parseLockedInodes(locks)].sort((a, b) => a - b), [77, 78, 263, 1048577]);
});

test("parseRootMountSource takes the last mount on / (seen in an orphaned container's mountinfo)", () => {
  const mountinfo = [
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
    "100 79 0:39 /.#machine.stage6e7000b58d07722a / rw,relatime shared:1 - btrfs /dev/loop0 rw,subvolid=259,subvol=/.#machine.stage6e7000b58d07722a",
    "101 100 0:44 / /tmp rw,nosuid,nodev shared:2 - tmpfs tmpfs rw",
  ].join("\n");
  assert.equal(parseRootMountSource(mountinfo), "/.#machine.stage6e7000b58d07722a");
  assert.equal(parseRootMountSource("5 1 0:4 /a\\040b / rw - btrfs x rw"), "/a b");
  assert.equal(parseRootMountSource(""), null);
});

test("parseStat copes with spaces and parentheses in comm", () => {
  assert.deepEqual(parseStat("4510 (busybox) S 1 4510 4510 0 -1"), { ppid: 1, comm: "busybox" });
  assert.deepEqual(parseStat("77 (a) b (c)) R 42 77 77"), { ppid: 42, comm: "a) b (c)" });
  assert.equal(parseStat(""), null);
});

test("isLeftoverName matches nspawn's tempfn_random name for this stage only", () => {
  assert.equal(isLeftoverName("amd64", ".#machine.amd6424baff80cfdf5ea3"), true);
  assert.equal(isLeftoverName("amd64", ".#machine.amd64-desktop24baff80cfdf5ea3"), false);
  assert.equal(isLeftoverName("amd64", ".#.#machine.amd6424baff80cfdf5ea3.lck"), false);
  assert.equal(isLeftoverName("amd64", ".#machine.amd6424BAFF80CFDF5EA3"), false);
  assert.equal(isLeftoverName("amd64", "amd64"), false);
  assert.equal(isLeftoverName("a.b", ".#machine.aXb24baff80cfdf5ea3"), false);
});

test("withoutNspawnNoise drops only the propagate warning", () => {
  const stderr = 'real error\nAttempted to remove disk file system under "/run/systemd/nspawn/propagate/binpkgbot-x", and we can\'t allow that.\n';
  assert.equal(withoutNspawnNoise(stderr), "real error\n");
});
