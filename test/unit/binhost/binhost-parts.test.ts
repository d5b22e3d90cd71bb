import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { describeGpkgMembers } from "../../../src/binhost/gpkg-signature.js";
import { isWildcardHost, parseListenAddress } from "../../../src/binhost/listen-address.js";
import { findPkgdirProblems, matchPkgdir } from "../../../src/binhost/pkgdir-inventory.js";
import { parsePrimaryFingerprints } from "../../../src/binhost/signing-key.js";
import { parsePackagesIndex } from "../../../src/portage/packages-index.js";

describe("describeGpkgMembers", () => {
  const base = ["foo-1.0-1", "foo-1.0-1/gpkg-1", "foo-1.0-1/metadata.tar.zst", "foo-1.0-1/image.tar.zst", "foo-1.0-1/Manifest"];
  it("tells signed, unsigned and partly signed containers apart", () => {
    assert.equal(describeGpkgMembers(base).state, "unsigned");
    assert.deepEqual(describeGpkgMembers(base).problems, []);
    const signed = describeGpkgMembers([...base, "foo-1.0-1/metadata.tar.zst.sig", "foo-1.0-1/image.tar.zst.sig"]);
    assert.deepEqual([signed.state, signed.problems], ["signed", []]);
    const partly = describeGpkgMembers([...base, "foo-1.0-1/metadata.tar.zst.sig"]);
    assert.equal(partly.state, "partly-signed");
    assert.match(partly.problems.join(), /no signature for image\.tar\.zst/);
  });
  it("reports a container that is not a GPKG", () => {
    const layout = describeGpkgMembers(["README", "src/main.c"]);
    assert.deepEqual(layout.problems, ["no gpkg-1 member: not a GPKG container", "no metadata.tar.* member", "no image.tar.* member"]);
  });
});

describe("parseListenAddress", () => {
  it("accepts IPv4, bracketed IPv6 and host names with a port", () => {
    assert.deepEqual(parseListenAddress("127.0.0.1:8736"), { ok: true, value: { host: "127.0.0.1", port: 8736 } });
    assert.deepEqual(parseListenAddress("[::1]:80"), { ok: true, value: { host: "::1", port: 80 } });
    assert.deepEqual(parseListenAddress("[fe80::1:2]:0"), { ok: true, value: { host: "fe80::1:2", port: 0 } });
    assert.deepEqual(parseListenAddress("binhost.lan:8080"), { ok: true, value: { host: "binhost.lan", port: 8080 } });
  });
  it("refuses what is not ADDR:PORT, saying what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["127.0.0.1", /has no port/], ["127.0.0.1:65536", /'65536' is not a port/], ["127.0.0.1:", /'' is not a port/],
      ["::1:8736", /IPv6 address in brackets/], ["[::1:8736", /closing '\]'/], ["[not-v6]:80", /not an IPv6 address/],
      ["256.1.1.1:80", /not an IPv4 address/], [":8736", /address is missing/], ["bad_host:80", /not a host name/],
    ];
    for (const [text, message] of cases) {
      const result = parseListenAddress(text);
      assert.ok(!result.ok, text);
      assert.match(result.message, message, text);
      assert.match(result.message, /e\.g\. 127\.0\.0\.1:8736/);
    }
  });
  it("knows the wildcard addresses", () => {
    assert.deepEqual(["0.0.0.0", "::", "0:0:0:0:0:0:0:0", "127.0.0.1", "::1"].map(isWildcardHost), [true, true, true, false, false]);
  });
});

describe("PKGDIR inventory", () => {
  it("finds missing files, unlisted files, placeholders and size mismatches", () => {
    const index = parsePackagesIndex([
      "PACKAGES: 3", "", "CPV: a/b-1", "PATH: a/b/b-1-1.gpkg.tar", "SIZE: 10", "",
      "CPV: a/b-2", "PATH: ./a/b/b-2-1.gpkg.tar", "SIZE: 20", "", "CPV: a/c-1", "PATH: a/c/c-1-1.gpkg.tar", "SIZE: 5", "", "",
    ].join("\n"));
    const files = [
      { path: "a/b/b-2-1.gpkg.tar", size: 21, mtimeMs: 1 }, { path: "a/c/c-1-1.gpkg.tar", size: 0, mtimeMs: 2 },
      { path: "a/d/d-1-1.gpkg.tar", size: 7, mtimeMs: 3 }, { path: "a/d/d-1-2.gpkg.tar", size: 0, mtimeMs: 4 },
    ];
    assert.deepEqual(findPkgdirProblems(matchPkgdir(index.packages, files)), [
      { kind: "missing-file", path: "a/b/b-1-1.gpkg.tar", cpv: "a/b-1", buildId: undefined },
      { kind: "size-mismatch", path: "a/b/b-2-1.gpkg.tar", cpv: "a/b-2", indexSize: 20, fileSize: 21 },
      { kind: "placeholder", path: "a/c/c-1-1.gpkg.tar", inIndex: true, mtimeMs: 2 },
      { kind: "not-in-index", path: "a/d/d-1-1.gpkg.tar", size: 7, mtimeMs: 3 },
      { kind: "placeholder", path: "a/d/d-1-2.gpkg.tar", inIndex: false, mtimeMs: 4 },
    ]);
  });
});

describe("parsePrimaryFingerprints", () => {
  it("takes the fpr after each pub, not those of subkeys", () => {
    const colons = [
      "pub:-:255:22:2C8CDA776EEAF9E9:1795665512:::-:::scSC:::::ed25519:::0:", "fpr:::::::::4D6B0890C1C825CAFDB5C01D2C8CDA776EEAF9E9:",
      "uid:-::::1795665512::99::t <t@l>::::::::::0:", "sub:-:255:18:AAAA:1795665512::::::e:", "fpr:::::::::1111111111111111111111111111111111111111:",
    ].join("\n");
    assert.deepEqual(parsePrimaryFingerprints(colons), ["4D6B0890C1C825CAFDB5C01D2C8CDA776EEAF9E9"]);
  });
});
