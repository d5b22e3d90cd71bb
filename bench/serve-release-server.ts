// A binhost of serve-release.ts, in its own process so that its CPU time is its own:
// `node serve-release-server.js PKGDIR [RELEASES_DIR]`, prints its URL, stops on SIGTERM.
import { startBinhost } from "../src/server/binhost.js";

const [pkgdir = "", releasesDir] = process.argv.slice(2);
const binhost = await startBinhost({ pkgdir, releasesDir, log: () => {} });
process.stdout.write(`${binhost.url}\n`);
process.once("SIGTERM", () => void binhost.close().then(() => process.exit(0)));
