// The binhost under test of serve-hostile.ts, in its own process so that its RSS and descriptors
// are its own: `node serve-hostile-server.js PKGDIR LIMITS-JSON`, prints its URL, stops on SIGTERM.
import { startBinhost } from "../src/server/binhost.js";

const [pkgdir = "", limits = "{}"] = process.argv.slice(2);
const binhost = await startBinhost({ pkgdir, log: () => {}, limits: JSON.parse(limits) as object });
process.stdout.write(`${binhost.url}\n`);
process.once("SIGTERM", () => void binhost.close().then(() => process.exit(0)));
