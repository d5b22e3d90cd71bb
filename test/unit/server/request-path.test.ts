import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { isHiddenOrTemporary, PUBLIC_KEY_URL_PATH, resolveRequestPath } from "../../../src/server/request-path.js";

const pkgdir = "/var/cache/binpkgs";
const decide = (target: string, publicKey = false) => resolveRequestPath(pkgdir, target, { publicKey });

describe("resolveRequestPath serves", () => {
  const cases: [string, string, string, string][] = [
    ["/Packages", "Packages", "index", "text/plain; charset=utf-8"],
    ["/Packages.gz", "Packages.gz", "index-gz", "application/gzip"],
    ["/Packages?x=1", "Packages", "index", "text/plain; charset=utf-8"],
    ["/app-misc/hello/hello-1.0-2.gpkg.tar", "app-misc/hello/hello-1.0-2.gpkg.tar", "gpkg", "application/x-tar"],
    ["/app-misc/hello-1.0.tbz2", "app-misc/hello-1.0.tbz2", "xpak", "application/octet-stream"],
    ["/app-misc/hello/hello-1.0-3.xpak", "app-misc/hello/hello-1.0-3.xpak", "xpak", "application/octet-stream"],
    // `+` is literal in a URL path; its encoded form decodes to the same name.
    ["/dev-libs/libsigc++/libsigc++-2.12.1-1.gpkg.tar", "dev-libs/libsigc++/libsigc++-2.12.1-1.gpkg.tar", "gpkg", "application/x-tar"],
    ["/dev-libs/libsigc%2B%2B/libsigc%2b%2b-2.12.1-1.gpkg.tar", "dev-libs/libsigc++/libsigc++-2.12.1-1.gpkg.tar", "gpkg", "application/x-tar"],
    ["http://binhost.example/Packages", "Packages", "index", "text/plain; charset=utf-8"],
  ];
  for (const [target, relPath, served, contentType] of cases) {
    it(target, () => {
      assert.deepEqual(decide(target), {
        kind: "file",
        served,
        relPath,
        absPath: `${pkgdir}/${relPath}`,
        contentType,
      });
    });
  }

  it("the public key only when configured", () => {
    assert.equal(decide(PUBLIC_KEY_URL_PATH, true).kind, "public-key");
    assert.equal(decide(PUBLIC_KEY_URL_PATH, false).kind, "refuse");
  });
});

describe("resolveRequestPath refuses", () => {
  const refused = [
    "/../etc/passwd",
    "/app-misc/../../etc/passwd",
    "/%2e%2e/etc/passwd",
    "/%2e%2e%2fetc/passwd",
    "/..%2fetc/passwd",
    "/..%5cetc/passwd",
    "/%252e%252e/etc/passwd",
    "/%252e%252e%252fetc%252fpasswd",
    "/app-misc/hello%00.gpkg.tar",
    "/app-misc/hello\\..\\x.gpkg.tar",
    "/app-misc/%E0%A4%A.gpkg.tar",
    "/./Packages",
    "//Packages",
    "/",
    "/app-misc",
    "/app-misc/hello/",
    "Packages",
    "/.Packages.portage_lockfile",
    "/app-misc/hello/.hello-1.0-1.gpkg.tar.portage_lockfile",
    "/app-misc/hello/hello-1.0-1.gpkg.tar.partial",
    "/app-misc/hello/hello-1.0-1.gpkg.tar.4242abcd_efg",
    "/Packagesk3j_9a2x",
    "/Packages.gzk3j_9a2x",
    "/.hidden/app-misc/hello-1.0.tbz2",
    "/app-misc/.git/x.gpkg.tar",
    "/app-misc/hello-1.0.tbz2~",
    "/hello-1.0.gpkg.tar",
    "/app-misc/hello/Manifest",
    "/app-misc/hello%20world.gpkg.tar",
    "/binhost-key.asc",
  ];
  for (const target of refused) {
    it(JSON.stringify(target), () => assert.equal(decide(target).kind, "refuse"));
  }
});

describe("isHiddenOrTemporary", () => {
  it("checks every segment of a resolved path", () => {
    assert.equal(isHiddenOrTemporary("app-misc/hello/hello-1.0-1.gpkg.tar"), false);
    assert.equal(isHiddenOrTemporary(".locks/x.gpkg.tar"), true);
    assert.equal(isHiddenOrTemporary("app-misc/x.gpkg.tar.partial"), true);
    assert.equal(isHiddenOrTemporary("app-misc/.x.portage_lockfile"), true);
  });
});
