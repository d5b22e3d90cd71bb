// Filesystem names from statfs magic numbers; ext2, ext3 and ext4 share one, so the mount table decides.
import assert from "node:assert/strict";
import { test } from "node:test";
import { filesystemName, parseMountType } from "../../../src/container/filesystem.js";

// /proc/self/mountinfo lines (proc(5)): a btrfs root, an ext4 and an ext3 volume, a bind mount of the ext4 one.
const MOUNTINFO = [
  "21 1 0:25 / / rw,relatime shared:1 - btrfs /dev/nvme0n1p2 rw,ssd,subvolid=256,subvol=/@",
  "36 21 259:3 / /data rw,noatime shared:20 - ext4 /dev/nvme0n1p3 rw",
  "37 21 8:17 / /old rw,noatime shared:21 - ext3 /dev/sdb1 rw,errors=continue",
  "38 21 259:3 /srv /srv rw,noatime shared:20 - ext4 /dev/nvme0n1p3 rw",
  "",
].join("\n");

test("statfs magic numbers name their filesystem (linux/magic.h)", () => {
  assert.equal(filesystemName(0x9123683e, null), "btrfs");
  assert.equal(filesystemName(0x01021994, null), "tmpfs");
  assert.equal(filesystemName(0x58465342, null), "xfs");
  assert.equal(filesystemName(0x12345678, null), "0x12345678");
});

test("ext2, ext3 and ext4 share 0xEF53: the mount's type names it, and without it all three are named", () => {
  assert.equal(filesystemName(0xef53, "ext4"), "ext4");
  assert.equal(filesystemName(0xef53, "ext3"), "ext3");
  assert.equal(filesystemName(0xef53, null), "ext2/ext3/ext4");
  // A type that is no ext driver (a confused mount table) does not rename the magic.
  assert.equal(filesystemName(0xef53, "btrfs"), "ext2/ext3/ext4");
  assert.equal(filesystemName(0x9123683e, "ext4"), "btrfs");
});

test("the mount type is found by the device's major:minor", () => {
  assert.equal(parseMountType(MOUNTINFO, 259, 3), "ext4");
  assert.equal(parseMountType(MOUNTINFO, 8, 17), "ext3");
  assert.equal(parseMountType(MOUNTINFO, 0, 25), "btrfs");
  assert.equal(parseMountType(MOUNTINFO, 8, 1), null);
  assert.equal(parseMountType(MOUNTINFO, 25, 9), null, "no partial match of 259:3 or 0:25");
});
