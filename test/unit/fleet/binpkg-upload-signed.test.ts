// A target with `signing` takes only signed uploads: an unsigned or half-signed GPKG (a worker that
// built without the key) is refused and never reaches PKGDIR or its index; a signed one is added.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { TransferError } from "../../../src/fleet/transfer/btrfs-stream.js";
import { addUploadedBinpkg } from "../../../src/fleet/transfer/binpkg-upload.js";
import { makeGpkg, tarAvailable } from "../binhost/support/make-gpkg.js";

const skip = tarAvailable() ? false : "needs GNU tar";

async function upload(pkgdir: string, work: string, signed: "none" | "metadata-only" | "both", requireSigned: boolean): Promise<unknown> {
  const relPath = `app-misc/foo/foo-1.0-${signed === "none" ? 1 : signed === "metadata-only" ? 2 : 3}.gpkg.tar`;
  const file = path.join(work, path.basename(relPath));
  makeGpkg({ file, signed });
  const bytes = await readFile(file);
  const entry = Buffer.from([
    "CPV: app-misc/foo-1.0", `BUILD_ID: ${relPath.slice(-10, -9)}`, `PATH: ${relPath}`, `SIZE: ${bytes.length}`,
    `MD5: ${createHash("md5").update(bytes).digest("hex")}`, `SHA1: ${createHash("sha1").update(bytes).digest("hex")}`, "",
  ].join("\n"));
  return addUploadedBinpkg(pkgdir, relPath, entry.length, Readable.from([entry, bytes]), { maxBytes: 1 << 20, now: () => new Date(), requireSigned });
}

test("a signing target refuses unsigned and half-signed GPKG uploads (422), adds signed ones; others take any", { skip }, async (t) => {
  const work = await mkdtemp(path.join(tmpdir(), "binpkgbot-upload-signed-"));
  t.after(() => rm(work, { recursive: true, force: true }));
  const pkgdir = path.join(work, "packages");
  const other = path.join(work, "other");
  await mkdir(pkgdir);
  await mkdir(other);
  for (const signed of ["none", "metadata-only"] as const) {
    await assert.rejects(upload(pkgdir, work, signed, true), (error: unknown) => {
      assert.ok(error instanceof TransferError);
      assert.equal(error.status, 422);
      assert.match(error.message, new RegExp(`is ${signed === "none" ? "unsigned" : "partly-signed"}, but this target signs its binpkgs \\(signing\\): refused.*--signer`));
      return true;
    });
  }
  assert.deepEqual(await readdir(pkgdir), [], "nothing of a refused upload is left in PKGDIR, not even its temporary file");
  await upload(pkgdir, work, "both", true);
  assert.match(await readFile(path.join(pkgdir, "Packages"), "utf8"), /^PATH: app-misc\/foo\/foo-1\.0-3\.gpkg\.tar$/m);
  await upload(other, work, "none", false);
  assert.match(await readFile(path.join(other, "Packages"), "utf8"), /^PATH: app-misc\/foo\/foo-1\.0-1\.gpkg\.tar$/m, "a target without signing takes it");
});
