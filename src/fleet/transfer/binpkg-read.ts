// The coordinator's PKGDIR as a worker reads it for its own copy: the index and the binpkgs it lists.
// Containers write PKGDIR, so it is opened as the binhost opens it (src/server/open-beneath.ts): one
// component at a time below PKGDIR, no symlink out of it, never a hidden, lock or temporary file,
// never a FIFO or a device; the route allows only `Packages` and binpkg names (transfer-routes.ts).
import type http from "node:http";
import { pipeline } from "node:stream/promises";
import { openBeneath, openRootDirectory } from "../../server/open-beneath.js";
import { TransferError } from "./btrfs-stream.js";

/** Sends PKGDIR's `relPath` as the answer; a file that cannot be served is a 404 naming why. */
export async function sendPkgdirFile(pkgdir: string, relPath: string, res: http.ServerResponse): Promise<void> {
  const root = await openRootDirectory(pkgdir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") throw new TransferError(`PKGDIR ${pkgdir} does not exist yet: no binpkg was built for this target`, 404);
    throw error;
  });
  try {
    const opened = await openBeneath(root, relPath, { maxLinks: 0 });
    if (opened.kind === "refused") throw new TransferError(`${relPath} is not served from the coordinator's PKGDIR: ${opened.reason}`, 404);
    const { handle, stats } = opened;
    try {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(stats.size), "last-modified": new Date(Number(stats.mtimeMs)).toUTCString() });
      await pipeline(handle.createReadStream({ autoClose: false }), res);
    } finally {
      await handle.close();
    }
  } finally {
    await root.handle.close();
  }
}
