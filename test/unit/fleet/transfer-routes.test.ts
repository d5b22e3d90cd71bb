import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
  buildIdOfPath, checkBinpkgPath, checkCoordinatorUrl, chooseSendParent, parseHaveHeader, parseTransferRoute, renderHaveHeader, withBuildId,
} from "../../../src/fleet/transfer/transfer-routes.js";
import { receivedName } from "../../../src/fleet/transfer/btrfs-stream.js";
import { identityOf, parseSubvolumeShow } from "../../../src/fleet/transfer/subvolume-info.js";

const U1 = "0cbfbe78-2b83-fd47-9ee4-4e2d548da5b5";
const U2 = "8b14047f-2082-bf4a-966b-4a035fff3112";

describe("parseTransferRoute", () => {
  it("maps the four routes", () => {
    assert.deepEqual(parseTransferRoute("GET", "/fleet/amd64/generations"), { ok: true, route: { kind: "list-generations", target: "amd64" } });
    assert.deepEqual(parseTransferRoute("GET", "/fleet/amd64/generations/gen-3/stream"), { ok: true, route: { kind: "send-generation", target: "amd64", generation: "gen-3" } });
    assert.deepEqual(parseTransferRoute("PUT", "/fleet/amd64/generations/gen-4?parent=gen-3"), { ok: true, route: { kind: "receive-generation", target: "amd64", generation: "gen-4", parent: "gen-3" } });
    assert.deepEqual(parseTransferRoute("PUT", "/fleet/amd64/binpkgs/app-misc/hello/hello-1.0-2.gpkg.tar"), { ok: true, route: { kind: "upload-binpkg", target: "amd64", path: "app-misc/hello/hello-1.0-2.gpkg.tar" } });
  });
  it("refuses wrong methods, names and paths with the status that says so", () => {
    const status = (method: string, url: string) => { const result = parseTransferRoute(method, url); return result.ok ? 200 : result.status; };
    assert.equal(status("POST", "/fleet/amd64/binpkgs/app-misc/hello/hello-1.0-2.gpkg.tar"), 405);
    assert.deepEqual(parseTransferRoute("GET", "/fleet/amd64/binpkgs/Packages"), { ok: true, route: { kind: "read-index", target: "amd64" } });
    assert.deepEqual(parseTransferRoute("GET", "/fleet/amd64/binpkgs/app-misc/hello/hello-1.0-2.gpkg.tar"), { ok: true, route: { kind: "read-binpkg", target: "amd64", path: "app-misc/hello/hello-1.0-2.gpkg.tar" } });
    assert.equal(status("PUT", "/fleet/amd64/binpkgs/Packages"), 400, "the index is never uploaded");
    for (const hidden of [".Packages.portage_lockfile", "app-misc/hello/.binpkgbot-upload-1.tmp", "app-misc/hello/hello-1.0-2.gpkg.tar.partial", "Packages.gz", "app-misc/..%2Fhello-1.0-2.gpkg.tar"]) {
      assert.equal(status("GET", `/fleet/amd64/binpkgs/${hidden}`), 400, hidden);
    }
    assert.equal(status("GET", "/fleet/amd64/binpkgs/%2e%2e/%2e%2e/%2e%2e/etc/passwd"), 404, "URL parsing normalises .. out of /fleet/amd64");
    assert.equal(status("PUT", "/fleet/amd64/generations/gen-4"), 400, "no parent");
    assert.equal(status("PUT", "/fleet/amd64/generations/gen-4?parent=../x"), 400);
    assert.equal(status("GET", "/fleet/amd64/generations/next/stream"), 400);
    assert.equal(status("GET", "/fleet/Amd64/generations"), 404);
    assert.equal(status("GET", "/fleet/amd64/other"), 404);
    assert.equal(status("PUT", "/fleet/amd64/binpkgs/app-misc/%2e%2e/x-1.0-1.gpkg.tar"), 400);
    assert.equal(status("PUT", "/fleet/amd64/binpkgs/app-misc/x/%E0%A4%A-1.gpkg.tar"), 400, "malformed percent-encoding");
    assert.equal(status("PUT", "/fleet/amd64/binpkgs/../../etc/passwd"), 404, "URL parsing normalises .. out of /fleet/amd64");
  });
});

describe("checkBinpkgPath", () => {
  it("accepts Portage's multi-instance and single-instance names", () => {
    for (const path of ["app-misc/hello/hello-1.0-2.gpkg.tar", "app-misc/hello/hello-1.0-r1-12.xpak", "app-misc/hello-1.0.gpkg.tar", "app-misc/hello-1.0.tbz2"]) {
      assert.equal(checkBinpkgPath(path), null, path);
    }
  });
  it("refuses anything that could leave PKGDIR or hide", () => {
    for (const path of ["../hello-1.0.tbz2", "app-misc/../hello-1.0.tbz2", "/etc/hello-1.0.tbz2", "app-misc/.hello-1.0.tbz2", "app-misc/hello/hello-1.0-0.gpkg.tar",
      "app-misc/hello/hello-1.0.gpkg.tar.tmp", "Packages", "app-misc/hello/sub/hello-1.0-1.gpkg.tar", "app-misc/hello/hello-1.0-1.tbz2"]) {
      assert.match(checkBinpkgPath(path) ?? "", /is not a binpkg path in PKGDIR/, path);
    }
  });
  it("reads and replaces the BUILD_ID of a multi-instance name", () => {
    assert.equal(buildIdOfPath("app-misc/hello/hello-1.0-12.gpkg.tar"), 12);
    assert.equal(buildIdOfPath("app-misc/hello-1.0.gpkg.tar"), null);
    assert.equal(withBuildId("app-misc/hello/hello-1.0-r2-3.xpak", 4), "app-misc/hello/hello-1.0-r2-4.xpak");
  });
});

describe("send parents", () => {
  it("round-trips the have header and drops malformed entries", () => {
    const have = new Map([["gen-2", U1], ["gen-3", U2]]);
    assert.deepEqual(parseHaveHeader(renderHaveHeader(have)), have);
    assert.deepEqual(parseHaveHeader(`gen-1=${U1},next=${U2},gen-2=x, gen-0=${U1}`), new Map([["gen-1", U1]]));
    assert.deepEqual(parseHaveHeader(undefined), new Map());
  });
  it("picks the newest older generation whose identity matches the coordinator's, else none", () => {
    const coordinator = new Map([["gen-1", U1], ["gen-2", U2], ["gen-3", "33333333-0000-0000-0000-000000000000"]]);
    assert.equal(chooseSendParent("gen-3", coordinator, new Map([["gen-1", U1], ["gen-2", U2]])), "gen-2");
    assert.equal(chooseSendParent("gen-3", coordinator, new Map([["gen-1", U1], ["gen-2", U1]])), "gen-1", "a gen-2 of another origin is no parent");
    assert.equal(chooseSendParent("gen-2", coordinator, new Map([["gen-3", coordinator.get("gen-3")!]])), null, "only older generations");
    assert.equal(chooseSendParent("gen-10", new Map([["gen-9", U1], ["gen-10", U2]]), new Map([["gen-9", U1]])), "gen-9", "by number, not text");
  });
});

describe("checkCoordinatorUrl", () => {
  it("allows https anywhere and plain http on loopback only, unless allowed", () => {
    assert.equal(checkCoordinatorUrl("https://coordinator.example:8443", false), null);
    for (const url of ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:8080"]) assert.equal(checkCoordinatorUrl(url, false), null, url);
    assert.match(checkCoordinatorUrl("http://10.0.0.5:8080", false) ?? "", /plain HTTP to 10\.0\.0\.5, which is not loopback/);
    assert.equal(checkCoordinatorUrl("http://10.0.0.5:8080", true), null);
    assert.match(checkCoordinatorUrl("ftp://x", true) ?? "", /over https/);
    assert.match(checkCoordinatorUrl("coordinator:8080/x y", false) ?? "", /https:/);
  });
});

describe("btrfs output", () => {
  const show = (received: string, flags: string) =>
    `gen-2\n\tName: \t\t\tgen-2\n\tUUID: \t\t\t${U2}\n\tParent UUID: \t\t-\n\tReceived UUID: \t\t${received}\n\tFlags: \t\t\t${flags}\n`;
  it("reads UUID, received UUID and the read-only flag of btrfs subvolume show", () => {
    assert.deepEqual(parseSubvolumeShow(show(U1, "readonly")), { uuid: U2, receivedUuid: U1, readOnly: true });
    assert.deepEqual(parseSubvolumeShow(show("-", "-")), { uuid: U2, receivedUuid: null, readOnly: false });
    assert.equal(parseSubvolumeShow("ERROR: not a subvolume"), null);
    assert.equal(identityOf({ uuid: U2, receivedUuid: U1, readOnly: true }), U1);
    assert.equal(identityOf({ uuid: U2, receivedUuid: null, readOnly: true }), U2);
  });
  it("reads the received subvolume's name from btrfs receive", () => {
    assert.equal(receivedName("At subvol gen-1\n"), "gen-1");
    assert.equal(receivedName("\nAt snapshot gen-2.incoming\n"), "gen-2.incoming");
    assert.equal(receivedName("ERROR: short read\n"), null);
  });
});
