import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { reportingServers } from "../../../src/report/reporting-servers.js";

describe("reportingServers", () => {
  it("takes the entries with report: true and a token file, in either spelling", () => {
    const servers = [
      { name: "web1", report: true, tokenFile: "/etc/binpkgbot/web1.token" },
      { name: "db1", report: true, token_file: "/etc/binpkgbot/db1.token" },
      { name: "copy", etc_portage: "/srv/copy/etc/portage", world: "/srv/copy/world" },
      { name: "off", report: false, tokenFile: "/x" },
      { name: "no-token", report: true },
      { name: "../evil", report: true, tokenFile: "/x" },
    ];
    assert.deepEqual(reportingServers({ stateDir: "/var/lib/binpkgbot", servers }), [
      { name: "web1", tokenFile: "/etc/binpkgbot/web1.token" },
      { name: "db1", tokenFile: "/etc/binpkgbot/db1.token" },
    ]);
  });
  it("a config without servers: has none", () => assert.deepEqual(reportingServers({ stateDir: "/x" }), []));
});
