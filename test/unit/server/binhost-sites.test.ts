// One binhost for several targets: each target's PKGDIR under /NAME/, answered exactly as one PKGDIR is
// at the root (its releases, its public key, its reports, conditional GET, Range, the path guards).
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startBinhost, type BinhostSite } from "../../../src/server/binhost.js";
import { releasesLayout } from "../../../src/releases/release-layout.js";
import { publishRelease } from "../../../src/releases/publish.js";
import { routeSite } from "../../../src/server/site-prefix.js";
import { directoryBtrfs } from "../stage/directory-btrfs.js";

test("routeSite takes the first path segment as the site and keeps the rest for it", () => {
  const sites = new Map([["amd64", 1], ["arm-64_x", 2]]);
  assert.deepEqual(routeSite("/amd64/Packages", sites), { kind: "site", site: 1, target: "/Packages" });
  assert.deepEqual(routeSite("/arm-64_x/tags/prod/Packages?x", sites), { kind: "site", site: 2, target: "/tags/prod/Packages?x" });
  assert.deepEqual(routeSite("http://host:1/amd64/a/b.gpkg.tar", sites), { kind: "site", site: 1, target: "/a/b.gpkg.tar" });
  assert.deepEqual(routeSite("/amd64/../arm-64_x/Packages", sites), { kind: "site", site: 1, target: "/../arm-64_x/Packages" }, "the site's own checks refuse '..'");
  for (const target of ["/Packages", "/", "", "/amd64", "/amd64?x", "/AMD64/Packages", "/%61md64/Packages", "//amd64/Packages", "/toString/Packages", "/__proto__/Packages"]) {
    assert.equal(routeSite(target, sites).kind, "refuse", target);
  }
});

async function makePkgdir(dir: string, name: string): Promise<string> {
  const pkgdir = join(dir, name);
  await mkdir(join(pkgdir, "app-misc", "hello"), { recursive: true });
  await writeFile(join(pkgdir, "Packages"), `ARCH: ${name}\n\nCPV: app-misc/hello-1\nPATH: app-misc/hello/hello-1-1.gpkg.tar\n`);
  await writeFile(join(pkgdir, "app-misc", "hello", "hello-1-1.gpkg.tar"), `binpkg of ${name}`);
  await writeFile(join(pkgdir, ".Packages.portage_lockfile"), "");
  return pkgdir;
}

test("each target's PKGDIR is served under /NAME/ with its releases, its key, its reports and the guards of one PKGDIR", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "binpkgbot-sites-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const amd64 = await makePkgdir(dir, "amd64");
  const arm64 = await makePkgdir(dir, "arm64");
  await writeFile(join(dir, "amd64.asc"), "-----BEGIN PGP PUBLIC KEY BLOCK-----\namd64\n");
  const reported: string[] = [];
  const reports = (site: string) => async (req: http.IncomingMessage, res: http.ServerResponse) => {
    reported.push(`${site} ${req.url}`);
    res.writeHead(204).end();
    return { status: 204, note: "stored" };
  };
  const layout = releasesLayout(`${arm64}.releases`);
  await publishRelease(layout, { pkgdir: arm64, repository: null, stageGeneration: "plain", run: null }, { exec: directoryBtrfs(), now: () => new Date("2026-12-01T10:00:00Z"), isSubvolume: async () => false });
  // As Portage does, a new index replaces the old one (the release holds hard links to PKGDIR's files).
  await writeFile(join(arm64, "Packages.new"), "ARCH: arm64 changed after the release\n");
  await rename(join(arm64, "Packages.new"), join(arm64, "Packages"));
  const sites = new Map<string, BinhostSite>([
    ["amd64", { pkgdir: amd64, publicKeyPath: join(dir, "amd64.asc"), reports: reports("amd64") }],
    ["arm64", { pkgdir: arm64, releasesDir: layout.dir, reports: reports("arm64") }],
  ]);
  const log: string[] = [];
  const binhost = await startBinhost({ sites, log: (line) => log.push(line) });
  t.after(() => binhost.close());
  const get = async (path: string, headers: Record<string, string> = {}): Promise<string> => {
    const response = await fetch(`${binhost.url}${path}`, { headers });
    return `${response.status} ${await response.text()}`;
  };

  assert.match(await get("/amd64/Packages"), /^200 ARCH: amd64\n/);
  assert.match(await get("/arm64/Packages"), /^200 ARCH: arm64\n\nCPV/, "the current release, not PKGDIR as it changed");
  assert.equal(await get("/arm64/releases/1/app-misc/hello/hello-1-1.gpkg.tar"), "200 binpkg of arm64");
  assert.equal(await get("/amd64/app-misc/hello/hello-1-1.gpkg.tar"), "200 binpkg of amd64");
  assert.equal(await get("/amd64/app-misc/hello/hello-1-1.gpkg.tar", { range: "bytes=10-" }), "206 amd64");
  const first = await fetch(`${binhost.url}/amd64/Packages`);
  const modified = first.headers.get("last-modified") ?? "";
  assert.equal((await fetch(`${binhost.url}/amd64/Packages`, { headers: { "if-modified-since": modified } })).status, 304);
  assert.match(await get("/amd64/binhost-key.asc"), /^200 -----BEGIN PGP PUBLIC KEY BLOCK-----\namd64/);
  assert.equal(await get("/arm64/binhost-key.asc"), "404 Not Found\n", "arm64 has no key of its own");
  // Sent as written: fetch() would resolve the dot segments before sending.
  const raw = (path: string): Promise<number | undefined> => new Promise((resolve, reject) => {
    const { hostname, port } = new URL(binhost.url);
    http.get({ hostname, port, path }, (response) => resolve(response.resume().statusCode)).on("error", reject);
  });
  for (const path of ["/Packages", "/binhost-key.asc", "/amd64", "/amd65/Packages", "/amd64/../arm64/Packages", "/amd64/%2e%2e/arm64/Packages", "/amd64/.Packages.portage_lockfile", "/amd64/releases/1/Packages"]) {
    assert.equal(await raw(path), 404, path);
  }
  assert.equal(await raw("/amd64/Packages"), 200);
  const post = await fetch(`${binhost.url}/arm64/report/web1`, { method: "POST", body: "x" });
  assert.equal(post.status, 204);
  assert.equal((await fetch(`${binhost.url}/amd64/Packages`, { method: "DELETE" })).status, 405);
  assert.deepEqual(reported, ["arm64 /report/web1"], "the target's own receiver, with the path it has at the root");
  assert.ok(log.some((line) => line.includes("POST /arm64/report/web1")), "the access log keeps the whole request target");
});
